using System.Net;
using System.Net.Http.Json;
using Microsoft.IdentityModel.JsonWebTokens;
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
}
