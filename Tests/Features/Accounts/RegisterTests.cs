using System.Net;
using System.Net.Http.Json;
using Npgsql;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class RegisterTests : ApiTest
{
    [Test]
    public async Task Registering_creates_an_account_and_answers_201_with_its_id()
    {
        var response = await RegisterAsync("alice");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var body = await ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("User registered successfully"));
            Assert.That(body["id"]!.GetValue<long>(), Is.GreaterThan(0));
            Assert.That(body["username"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(body.ContainsKey("password"), Is.False);
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/users/{body["id"]}"));
        });
    }

    [TestCase("alice", "ALICE", "other@example.com", TestName = "Username_taken_in_another_case_is_409")]
    [TestCase("alice", "bob", "ALICE@Example.COM", TestName = "Email_taken_in_another_case_is_409")]
    public async Task A_taken_username_or_email_is_a_conflict_regardless_of_case(string first, string second, string email)
    {
        await RegisterAsync(first, "alice@example.com");

        var problem = await AssertProblemAsync(await RegisterAsync(second, email), HttpStatusCode.Conflict);

        Assert.That(problem["message"]!.GetValue<string>(), Does.Contain(second == "bob" ? "Email" : "Username"));
        Assert.That(await CountUsersAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task Invalid_fields_are_rejected_with_an_error_per_field()
    {
        var response = await Client.PostAsJsonAsync("/api/register", new { username = "a b", email = "not-an-email", password = "short" });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "username", "email", "password" }));
            Assert.That(errors["password"]![0]!.GetValue<string>(), Does.Contain("8 to 128"));
        });
        Assert.That(await CountUsersAsync(), Is.Zero);
    }

    [TestCase("ab", TestName = "Username_of_two_characters_is_rejected")]
    [TestCase("name with space", TestName = "Username_with_a_space_is_rejected")]
    [TestCase("naïve", TestName = "Username_with_a_non_ascii_letter_is_rejected")]
    public async Task Usernames_outside_the_rules_are_rejected(string username)
    {
        var problem = await AssertProblemAsync(await RegisterAsync(username, "x@example.com"), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["username"], Is.Not.Null);
    }

    [Test]
    public async Task A_username_with_a_trailing_newline_is_rejected_and_cannot_pose_as_a_taken_one()
    {
        await RegisterAsync("admin_bar");

        var problem = await AssertProblemAsync(await RegisterAsync("admin_bar\n", "other@example.com"), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "username" }));
        Assert.That(await CountUsersAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task An_email_with_a_trailing_newline_is_rejected_and_cannot_take_a_registered_address_again()
    {
        await RegisterAsync("alice", "alice@example.com");

        var problem = await AssertProblemAsync(await RegisterAsync("bob", "alice@example.com\n"), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "email" }));
        Assert.That(await CountUsersAsync(), Is.EqualTo(1));
    }

    [TestCase("ali\u0000ce", "alice@example.com", "correct-horse-1", "username", TestName = "A_NUL_in_the_username_is_400")]
    [TestCase("alice", "ali\u0000ce@example.com", "correct-horse-1", "email", TestName = "A_NUL_in_the_email_is_400")]
    [TestCase("alice", "alice@exam\u0001ple.com", "correct-horse-1", "email", TestName = "A_control_character_in_the_email_is_400")]
    [TestCase("alice", "ali\u200Bce@example.com", "correct-horse-1", "email", TestName = "A_zero_width_space_in_the_email_is_400")]
    [TestCase("alice", "alice@example.com", "correct-horse-1\u0000", "password", TestName = "A_NUL_in_the_password_is_400")]
    [TestCase("alice", "alice@example.com", "correct-horse-1\n", "password", TestName = "A_newline_in_the_password_is_400")]
    public async Task Control_characters_in_any_field_are_a_400_naming_that_field(string username, string email, string password, string field)
    {
        var problem = await AssertProblemAsync(await RegisterAsync(username, email, password), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(await CountUsersAsync(), Is.Zero);
    }

    [Test]
    public async Task Missing_fields_are_each_reported()
    {
        var problem = await AssertProblemAsync(await Client.PostAsync("/api/register", Json("{}")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EquivalentTo(new[] { "username", "email", "password" }));
    }

    [Test]
    public async Task A_roles_field_in_the_body_grants_nothing()
    {
        var response = await Client.PostAsync("/api/register", Json("""
            {"username":"mallory","email":"mallory@example.com","password":"correct-horse-1","roles":["admin"],"id":999,"is_active":true}
            """));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = (await ReadJsonAsync(response))["id"]!.GetValue<long>();

        var login = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "mallory", password = "correct-horse-1" }));
        var me = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/me", login["access_token"]!.GetValue<string>()));

        Assert.Multiple(() =>
        {
            Assert.That(id, Is.Not.EqualTo(999));
            Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user" }));
        });
    }

    [Test]
    public async Task The_password_is_stored_only_as_a_salted_hash()
    {
        await RegisterAsync("alice", password: "correct-horse-1");
        await RegisterAsync("bob", password: "correct-horse-1");

        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT password_hash FROM users ORDER BY id", connection);
        var hashes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                hashes.Add(reader.GetString(0));
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(hashes, Has.Count.EqualTo(2));
            Assert.That(hashes, Has.None.Contains("correct-horse-1"));
            Assert.That(hashes[0], Is.Not.EqualTo(hashes[1]), "same password, different salt");
        });
    }

    [Test]
    public async Task Concurrent_registrations_of_one_username_create_one_account()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => RegisterAsync("racer", $"racer{i}@example.com")));

        Assert.Multiple(async () =>
        {
            Assert.That(attempts.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
            Assert.That(attempts.Count(r => r.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(9));
            Assert.That(await CountUsersAsync(), Is.EqualTo(1));
        });
    }

    private async Task<long> CountUsersAsync()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM users", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
