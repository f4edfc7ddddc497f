using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

public sealed class RevokeTokenTests : ApiTest
{
    [Test]
    public async Task A_revoked_token_is_refused_at_once()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (id, token) = await CreatePersonalTokenAsync(alice, "tasks:read");
        Assert.That((await SendAsync(HttpMethod.Get, "/api/v2/tasks", token)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "known and cached");

        var revoked = await SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{id}", alice);
        var after = await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);
        var again = await SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{id}", alice);

        Assert.Multiple(async () =>
        {
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            await AssertProblemAsync(after, HttpStatusCode.Unauthorized);
            Assert.That(after.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer error=\"invalid_token\""));
            await AssertProblemAsync(again, HttpStatusCode.NotFound);
        });
    }

    [Test]
    public async Task Another_users_token_does_not_exist_for_the_caller_but_an_admin_may_revoke_it()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var (_, admin) = await SignUpAdminAsync();
        var (id, token) = await CreatePersonalTokenAsync(alice, "tasks:read");

        var byBob = await SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{id}", bob);
        var stillWorks = await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);
        var byAdmin = await SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{id}", admin);

        await AssertProblemAsync(byBob, HttpStatusCode.NotFound);
        Assert.That(stillWorks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(byAdmin.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task An_expired_token_is_refused()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (id, token) = await CreatePersonalTokenAsync(alice, "tasks:read");
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = @id", ("id", id));

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/v2/tasks", token), HttpStatusCode.Unauthorized);
    }

    [TestCase("tmpat_")]
    [TestCase("tmpat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("tmpat_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task An_unknown_or_malformed_token_is_401(string token)
    {
        var response = await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer error=\"invalid_token\""));
    }

    [Test]
    public async Task A_deactivated_users_token_is_refused_and_a_lost_role_is_lost_by_the_token_too()
    {
        var (_, root) = await SignUpAdminAsync();
        var (bobId, _) = await SignUpAdminAsync("bob");
        var bob = TestTokens.For(bobId, "bob", ["user", "admin"]);
        var (_, token) = await CreatePersonalTokenAsync(bob, "tasks:read", "admin");
        Assert.That((await SendAsync(HttpMethod.Get, "/api/users", token)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "an admin's admin token");

        var demoted = await SendAsync(HttpMethod.Put, $"/api/users/{bobId}/roles", root, Json("""{"roles":["user"]}"""));
        var asDemoted = await SendAsync(HttpMethod.Get, "/api/users", token);
        var stillReads = await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);
        var deactivated = await SendAsync(HttpMethod.Put, $"/api/users/{bobId}/active", root, Json("""{"active":false}"""));
        var asDeactivated = await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);

        Assert.Multiple(async () =>
        {
            Assert.That(demoted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertProblemAsync(asDemoted, HttpStatusCode.Forbidden);
            Assert.That(asDemoted.Headers.WwwAuthenticate, Is.Empty, "the role is missing, not the scope");
            Assert.That(stillReads.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(deactivated.IsSuccessStatusCode, Is.True, await deactivated.Content.ReadAsStringAsync());
            await AssertProblemAsync(asDeactivated, HttpStatusCode.Unauthorized);
        });
    }
}
