using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class LogoutTests : ApiTest
{
    private async Task<string> LoginAsync()
    {
        var login = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });
        return (await ReadJsonAsync(login))["refresh_token"]!.GetValue<string>();
    }

    [Test]
    public async Task Logging_out_ends_the_sign_in_whichever_of_its_refresh_tokens_is_sent()
    {
        await RegisterAsync("alice");
        var first = await LoginAsync();
        var current = (await ReadJsonAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = first })))["refresh_token"]!.GetValue<string>();
        var otherDevice = await LoginAsync();

        var response = await Client.PostAsJsonAsync("/api/logout", new { refresh_token = first });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = current }), HttpStatusCode.Unauthorized);
        Assert.That((await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = otherDevice })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Logging_out_with_an_unknown_or_already_revoked_token_is_also_204()
    {
        await RegisterAsync("alice");
        var refresh = await LoginAsync();
        await Client.PostAsJsonAsync("/api/logout", new { refresh_token = refresh });

        Assert.Multiple(async () =>
        {
            Assert.That((await Client.PostAsJsonAsync("/api/logout", new { refresh_token = refresh })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That((await Client.PostAsJsonAsync("/api/logout", new { refresh_token = "unknown" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        });
    }

    [Test]
    public async Task Logging_out_without_a_token_is_a_validation_error()
    {
        var problem = await AssertProblemAsync(await Client.PostAsync("/api/logout", Json("{}")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["refresh_token"], Is.Not.Null);
    }
}
