using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

public sealed class ListTokensTests : ApiTest
{
    [Test]
    public async Task A_user_lists_their_own_live_tokens_newest_first_and_never_the_tokens_themselves()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var (first, firstToken) = await CreatePersonalTokenAsync(alice, "tasks:read");
        var (second, secondToken) = await CreatePersonalTokenAsync(alice, "imports");
        var (revoked, _) = await CreatePersonalTokenAsync(alice, "tasks:write");
        await CreatePersonalTokenAsync(bob, "tasks:read");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{revoked}", alice);

        var response = await SendAsync(HttpMethod.Get, "/api/v2/tokens", alice);
        var raw = await response.Content.ReadAsStringAsync();
        var tokens = (await ReadJsonAsync(response))["tokens"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(tokens.Select(t => t!["id"]!.GetValue<long>()), Is.EqualTo(new[] { second, first }));
            Assert.That(tokens[0]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { "imports" }));
            Assert.That(tokens[0]!.AsObject().Select(p => p.Key),
                Is.EquivalentTo(new[] { "id", "name", "scopes", "created_at", "expires_at", "last_used_at" }));
            Assert.That(raw, Does.Not.Contain(firstToken).And.Not.Contain(secondToken).And.Not.Contain("tmpat_"));
        });
    }

    [Test]
    public async Task Only_an_admin_may_list_another_users_tokens()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var (_, admin) = await SignUpAdminAsync();
        var (id, _) = await CreatePersonalTokenAsync(alice, "tasks:read");

        var byBob = await SendAsync(HttpMethod.Get, $"/api/v2/tokens?user_id={aliceId}", bob);
        var byAdmin = await SendAsync(HttpMethod.Get, $"/api/v2/tokens?user_id={aliceId}", admin);

        await AssertProblemAsync(byBob, HttpStatusCode.Forbidden);
        Assert.That(byAdmin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ReadJsonAsync(byAdmin))["tokens"]!.AsArray().Select(t => t!["id"]!.GetValue<long>()), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task Using_a_token_records_when_it_was_last_used_at_most_once_a_minute()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (id, token) = await CreatePersonalTokenAsync(alice, "tasks:read");
        const string read = "SELECT coalesce(extract(epoch FROM last_used_at), 0)::float8 FROM access_tokens WHERE id = @id";

        await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);
        var first = await Eventually.ReadAsync(() => Sql.ScalarAsync<double>(App.ConnectionString, read, ("id", id)), used => used > 0);
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(HttpMethod.Get, "/api/v2/tasks", token);
        }
        await Task.Delay(300);
        var after = await Sql.ScalarAsync<double>(App.ConnectionString, read, ("id", id));
        var listed = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/tokens", alice)))["tokens"]![0]!["last_used_at"];

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.GreaterThan(0), "the first use is recorded");
            Assert.That(after, Is.EqualTo(first), "later uses within the minute write nothing");
            Assert.That(listed?.GetValue<DateTime?>(), Is.Not.Null);
        });
    }
}
