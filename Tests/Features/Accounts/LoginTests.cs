using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using TaskManager.Infrastructure.Auth;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class LoginTests : ApiTest
{
    [Test]
    public async Task Logging_in_returns_a_bearer_token_that_identifies_the_user()
    {
        await RegisterAsync("alice", password: "correct-horse-1");

        var response = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ReadJsonAsync(response);
        var token = new JsonWebToken(body["access_token"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("Login successful"));
            Assert.That(body["token_type"]!.GetValue<string>(), Is.EqualTo("Bearer"));
            Assert.That(body["expires_in"]!.GetValue<int>(), Is.EqualTo(15 * 60));
            Assert.That(body["username"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(body["refresh_token"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(token.Alg, Is.EqualTo("HS256"));
            Assert.That(token.Typ, Is.EqualTo("at+jwt"));
            Assert.That(token.Issuer, Is.EqualTo("taskmanager"));
            Assert.That(token.Audiences, Is.EqualTo(new[] { "taskmanager-api" }));
            Assert.That(token.ValidTo, Is.EqualTo(DateTime.UtcNow.AddMinutes(15)).Within(TimeSpan.FromMinutes(1)));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        });
    }

    [Test]
    public async Task The_username_is_matched_without_regard_to_case()
    {
        await RegisterAsync("Alice", password: "correct-horse-1");

        var response = await Client.PostAsJsonAsync("/api/login", new { username = "aLICE", password = "correct-horse-1" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ReadJsonAsync(response))["username"]!.GetValue<string>(), Is.EqualTo("Alice"));
    }

    [Test]
    public async Task Unknown_user_and_wrong_password_get_one_identical_401()
    {
        await RegisterAsync("alice", password: "correct-horse-1");

        var wrongPassword = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "wrong-horse-1" });
        var unknownUser = await Client.PostAsJsonAsync("/api/login", new { username = "nobody", password = "correct-horse-1" });

        var first = await AssertProblemAsync(wrongPassword, HttpStatusCode.Unauthorized);
        var second = await AssertProblemAsync(unknownUser, HttpStatusCode.Unauthorized);
        first.Remove("trace_id");
        second.Remove("trace_id");
        Assert.That(first.ToJsonString(), Is.EqualTo(second.ToJsonString()));
    }

    [Test]
    public async Task A_login_without_a_password_is_a_validation_error()
    {
        var problem = await AssertProblemAsync(await Client.PostAsync("/api/login", Json("""{"username":"alice"}""")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["password"], Is.Not.Null);
    }

    private Task<HttpResponseMessage> LoginAsync(string password, string username = "alice") =>
        Client.PostAsJsonAsync("/api/login", new { username, password });

    private static async Task<string> ProblemWithoutTraceAsync(HttpResponseMessage response)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        problem.Remove("trace_id");
        return problem.ToJsonString();
    }

    [Test]
    public async Task Five_failed_logins_lock_the_account_and_the_right_password_then_gets_the_same_401()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            await AssertProblemAsync(await LoginAsync("wrong-horse-1"), HttpStatusCode.Unauthorized);
        }

        var locked = await ProblemWithoutTraceAsync(await LoginAsync("correct-horse-1"));
        var unknown = await ProblemWithoutTraceAsync(await LoginAsync("correct-horse-1", username: "nobody"));

        Assert.Multiple(async () =>
        {
            Assert.That(locked, Is.EqualTo(unknown), "a locked account is not told apart from a wrong password or an unknown user");
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, "SELECT locked_until > now() + interval '14 minutes' FROM users"), Is.True);
        });
    }

    [Test]
    public async Task A_locked_account_signs_in_again_once_the_lock_has_run_out()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            await LoginAsync("wrong-horse-1");
        }
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE users SET locked_until = now() - interval '1 second'");

        Assert.That((await LoginAsync("correct-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Sql.ScalarAsync<int>(App.ConnectionString, "SELECT failed_logins FROM users"), Is.Zero);
    }

    [Test]
    public async Task A_successful_login_starts_the_failure_count_again()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 4; i++)
        {
            await LoginAsync("wrong-horse-1");
        }
        Assert.That((await LoginAsync("correct-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        for (var i = 0; i < 4; i++)
        {
            await LoginAsync("wrong-horse-1");
        }

        Assert.That((await LoginAsync("correct-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Attempts_while_locked_do_not_extend_the_lock()
    {
        await RegisterAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            await LoginAsync("wrong-horse-1");
        }
        var lockedUntil = await Sql.ScalarAsync<DateTime>(App.ConnectionString, "SELECT locked_until FROM users");

        for (var i = 0; i < 6; i++)
        {
            await LoginAsync("wrong-horse-1");
        }

        Assert.That(await Sql.ScalarAsync<DateTime>(App.ConnectionString, "SELECT locked_until FROM users"), Is.EqualTo(lockedUntil));
    }

    [Test]
    public async Task A_deactivated_account_cannot_sign_in()
    {
        await RegisterAsync("alice");
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE users SET is_active = false");

        await AssertProblemAsync(await LoginAsync("correct-horse-1"), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task The_right_password_of_a_deactivated_account_is_refused_but_not_counted_as_a_failed_login()
    {
        await RegisterAsync("alice");
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE users SET is_active = false");
        var refusals = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            refusals.Add(await ProblemWithoutTraceAsync(await LoginAsync("correct-horse-1")));
        }
        var unknown = await ProblemWithoutTraceAsync(await LoginAsync("correct-horse-1", username: "nobody"));

        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE users SET is_active = true");

        Assert.Multiple(async () =>
        {
            Assert.That(refusals, Has.All.EqualTo(unknown), "a deactivated account is not told apart from an unknown user");
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, "SELECT failed_logins = 0 AND locked_until IS NULL FROM users"), Is.True);
            Assert.That((await LoginAsync("correct-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "reactivated, it is not locked");
        });
    }

    [TestCase("alice\u0000", "correct-horse-1", "username", TestName = "A_NUL_in_the_login_username_is_400")]
    [TestCase("alice\n", "correct-horse-1", "username", TestName = "A_newline_in_the_login_username_is_400")]
    [TestCase("alice", "correct-horse-1\u0000", "password", TestName = "A_NUL_in_the_login_password_is_400")]
    [TestCase("alice", "correct\thorse-1", "password", TestName = "A_tab_in_the_login_password_is_400")]
    public async Task Control_characters_in_a_login_are_a_400_naming_the_field(string username, string password, string field)
    {
        await RegisterAsync("alice");

        var problem = await AssertProblemAsync(await LoginAsync(password, username), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(await Sql.ScalarAsync<int>(App.ConnectionString, "SELECT failed_logins FROM users"), Is.Zero);
    }

    [Test]
    public async Task A_hash_made_with_a_lower_work_factor_is_upgraded_at_the_next_login()
    {
        // The shared application hashes with 1,000 iterations; an instance configured with more upgrades it.
        await RegisterAsync("alice");
        var before = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT password_hash FROM users");
        await using var raised = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?> { ["Auth:PasswordHashIterations"] = "2000" });
        using var client = raised.CreateClient();

        var login = await client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });
        var after = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT password_hash FROM users");

        Assert.Multiple(async () =>
        {
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Iterations(before), Is.EqualTo(1000));
            Assert.That(Iterations(after), Is.EqualTo(2000));
            Assert.That(Prf(after), Is.EqualTo(2), "HMAC-SHA512");
            Assert.That((await LoginAsync("correct-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the upgraded hash still verifies everywhere");
        });
    }

    [Test]
    public void Unknown_users_are_verified_against_a_decoy_of_the_same_work_factor()
    {
        var decoy = App.Services.GetRequiredService<PasswordDecoy>().Hash;
        Assert.That(Iterations(decoy), Is.EqualTo(1000), "the tests' configured work factor");
    }

    // ASP.NET Core's V3 hash: 0x01, PRF (uint32 BE), iterations (uint32 BE), salt length, salt, subkey.
    private static uint Iterations(string hash) => BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5, 4));

    private static uint Prf(string hash) => BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(hash).AsSpan(1, 4));
}
