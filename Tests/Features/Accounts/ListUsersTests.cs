using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class ListUsersTests : ApiTest
{
    [Test]
    public async Task A_user_token_on_the_admin_only_route_is_403()
    {
        var (_, token) = await SignUpAsync("alice");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users", token), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_manager_token_on_the_admin_only_route_is_403()
    {
        var (id, _) = await SignUpAsync("alice");
        var manager = TestTokens.For(id, "alice", ["user", "manager"]);
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users", manager), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Without_a_token_the_admin_only_route_is_401()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users", token: null), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task An_admin_pages_through_every_account()
    {
        var (adminId, _) = await SignUpAsync("root");
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            await RegisterAsync(name);
        }
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        var page2 = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/users?page=2&per_page=3", admin));
        var past = await SendAsync(HttpMethod.Get, "/api/users?page=9&per_page=3", admin);

        Assert.Multiple(async () =>
        {
            Assert.That(page2["total"]!.GetValue<long>(), Is.EqualTo(4));
            Assert.That(page2["pages"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(page2["current_page"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(page2["per_page"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(page2["users"]!.AsArray().Select(u => u!["username"]!.GetValue<string>()), Is.EqualTo(new[] { "carol" }));
            Assert.That(page2["users"]![0]!.AsObject().ContainsKey("password_hash"), Is.False);
            Assert.That(past.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await ReadJsonAsync(past))["users"]!.AsArray(), Is.Empty);
        });
    }

    [TestCase("per_page=0")]
    [TestCase("per_page=101")]
    [TestCase("page=0")]
    [TestCase("page=abc")]
    public async Task Bad_paging_is_400(string query)
    {
        var (adminId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/users?{query}", admin), HttpStatusCode.BadRequest);
    }
}
