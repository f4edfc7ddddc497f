using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class ChangePasswordTests : ApiTest
{
    [Test]
    public async Task A_new_password_ends_every_session_and_only_it_signs_in_afterwards()
    {
        await RegisterAsync("alice");
        var phone = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }));
        var laptop = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }));
        var token = laptop["access_token"]!.GetValue<string>();

        var changed = await SendAsync(HttpMethod.Put, "/api/me/password", token,
            Json("""{"current_password":"correct-horse-1","new_password":"battery-staple-2"}"""));

        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await changed.Content.ReadAsStringAsync());
        Assert.Multiple(async () =>
        {
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", token), HttpStatusCode.Unauthorized);
            foreach (var session in new[] { phone, laptop })
            {
                await AssertProblemAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = session["refresh_token"]!.GetValue<string>() }),
                    HttpStatusCode.Unauthorized);
            }
            await AssertProblemAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }), HttpStatusCode.Unauthorized);
            var again = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "battery-staple-2" });
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var fresh = (await ReadJsonAsync(again))["access_token"]!.GetValue<string>();
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", fresh)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_wrong_current_password_is_a_401_and_changes_nothing()
    {
        var (_, token) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Put, "/api/me/password", token,
            Json("""{"current_password":"not-my-password","new_password":"battery-staple-2"}"""));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Multiple(async () =>
        {
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", token)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" })).StatusCode,
                Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [TestCase("""{"current_password":"correct-horse-1","new_password":"short"}""", "new_password")]
    [TestCase("""{"current_password":"correct-horse-1"}""", "new_password")]
    [TestCase("""{"new_password":"battery-staple-2"}""", "current_password")]
    [TestCase("""{"current_password":"correct-horse-1","new_password":"correct-horse-1"}""", "new_password")]
    public async Task A_bad_request_is_a_400_naming_the_field(string body, string field)
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Put, "/api/me/password", token, Json(body)), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain(field));
    }

    [Test]
    public async Task Without_a_token_it_is_a_401()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Put, "/api/me/password", null,
            Json("""{"current_password":"correct-horse-1","new_password":"battery-staple-2"}""")), HttpStatusCode.Unauthorized);
    }
}
