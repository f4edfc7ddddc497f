using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class SetUserRolesTests : ApiTest
{
    private async Task<string> AdminAsync() => (await SignUpAdminAsync()).Token;

    private Task<HttpResponseMessage> SetRolesAsync(long id, string? token, string body) =>
        SendAsync(HttpMethod.Put, $"/api/users/{id}/roles", token, Json(body));

    [Test]
    public async Task An_admin_replaces_a_users_roles_and_gets_the_user_back()
    {
        var admin = await AdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");

        var response = await SetRolesAsync(aliceId, admin, """{"roles":["MANAGER"]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var user = await ReadJsonAsync(response);
        Assert.Multiple(async () =>
        {
            Assert.That(user["id"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(user["username"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(user["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user", "manager" }), "user is always kept");
            Assert.That(user["is_active"]!.GetValue<bool>(), Is.True);
            Assert.That(user.ContainsKey("password_hash"), Is.False);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE user_id = @id", ("id", aliceId)), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Roles_can_be_taken_away()
    {
        var admin = await AdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");
        await SetRolesAsync(aliceId, admin, """{"roles":["manager","admin"]}""");

        var user = await ReadJsonAsync(await SetRolesAsync(aliceId, admin, """{"roles":[]}"""));

        Assert.That(user["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user" }));
    }

    [Test]
    public async Task After_a_role_change_the_old_access_token_is_refused_and_a_refreshed_one_carries_the_new_roles()
    {
        var admin = await AdminAsync();
        await RegisterAsync("alice");
        var login = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }));
        var oldToken = login["access_token"]!.GetValue<string>();
        var aliceId = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/me", oldToken)))["id"]!.GetValue<long>();

        await SetRolesAsync(aliceId, admin, """{"roles":["manager"]}""");
        var refreshed = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = login["refresh_token"]!.GetValue<string>() }));
        var newToken = refreshed["access_token"]!.GetValue<string>();

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", oldToken), HttpStatusCode.Unauthorized);
        var me = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/me", newToken));
        Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user", "manager" }));
    }

    [Test]
    public async Task Setting_the_roles_an_account_already_holds_leaves_its_tokens_working()
    {
        var admin = await AdminAsync();
        var (aliceId, alice) = await SignUpAsync("alice");

        Assert.That((await SetRolesAsync(aliceId, admin, """{"roles":["user"]}""")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(HttpMethod.Get, "/api/me", alice)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("""{"roles":["superuser"]}""", "roles[0]")]
    [TestCase("""{"roles":["manager", null]}""", "roles[1]")]
    [TestCase("""{}""", "roles")]
    [TestCase("""{"roles":"admin"}""", null)]
    public async Task Unknown_roles_and_malformed_lists_are_400(string body, string? field)
    {
        var admin = await AdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SetRolesAsync(aliceId, admin, body), HttpStatusCode.BadRequest);
        if (field is not null)
        {
            Assert.That(problem["errors"]![field], Is.Not.Null, problem.ToJsonString());
        }
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE user_id = @id", ("id", aliceId)), Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_user_is_404()
    {
        var admin = await AdminAsync();
        await AssertProblemAsync(await SetRolesAsync(4242, admin, """{"roles":["manager"]}"""), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task An_admin_cannot_remove_their_own_admin_role()
    {
        var (rootId, _) = await SignUpAsync("root");
        await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO user_roles (user_id, role_id) VALUES (@id, 3)", ("id", rootId));
        var admin = TestTokens.For(rootId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SetRolesAsync(rootId, admin, """{"roles":["user"]}"""), HttpStatusCode.Conflict);
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE user_id = @id AND role_id = 3", ("id", rootId)), Is.EqualTo(1));
    }

    [Test]
    public async Task Two_admins_demoting_each_other_at_once_leave_one_admin()
    {
        // Several rounds, each with a fresh pair: before the caller was re-checked, both changes won every time.
        for (var round = 0; round < 5; round++)
        {
            var (aId, a) = await SignUpAdminAsync($"admin_a{round}");
            var (bId, b) = await SignUpAdminAsync($"admin_b{round}");
            // Both tokens checked once, so both requests pass authentication as fast as they can.
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", a)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", b)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            var answers = await Task.WhenAll(SetRolesAsync(bId, a, """{"roles":[]}"""), SetRolesAsync(aId, b, """{"roles":[]}"""));

            var admins = await Sql.ScalarAsync<long>(App.ConnectionString, """
                SELECT count(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = 'admin' AND ur.user_id IN (@a, @b)
                """, ("a", aId), ("b", bId));
            Assert.Multiple(() =>
            {
                Assert.That(admins, Is.EqualTo(1), $"round {round}");
                Assert.That(answers.Select(r => r.StatusCode), Has.Exactly(1).EqualTo(HttpStatusCode.OK), $"round {round}");
                // The loser is refused by its token (its roles changed) or, if it got past that first, by the re-check.
                Assert.That(answers.Select(r => r.StatusCode), Has.Exactly(1).AnyOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), $"round {round}");
            });
        }
    }

    [Test]
    public async Task A_caller_whose_admin_role_was_removed_meanwhile_gets_403_and_changes_nothing()
    {
        var (rootId, admin) = await SignUpAdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");
        // As another instance would: the role goes, and this instance has not yet noticed the token is stale.
        await Sql.ExecuteAsync(App.ConnectionString, "DELETE FROM user_roles WHERE user_id = @id AND role_id = (SELECT id FROM roles WHERE name = 'admin')", ("id", rootId));

        var problem = await AssertProblemAsync(await SetRolesAsync(aliceId, admin, """{"roles":["admin"]}"""), HttpStatusCode.Forbidden);

        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("no longer an admin"));
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE user_id = @id", ("id", aliceId)), Is.EqualTo(1));
    }

    [TestCase("user")]
    [TestCase("manager")]
    public async Task Only_admins_may_change_roles(string role)
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var token = TestTokens.For(aliceId, "alice", role == "user" ? ["user"] : ["user", role]);

        await AssertProblemAsync(await SetRolesAsync(aliceId, token, """{"roles":["admin"]}"""), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await SetRolesAsync(aliceId, null, """{"roles":["admin"]}"""), HttpStatusCode.Unauthorized);
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE user_id = @id", ("id", aliceId)), Is.EqualTo(1));
    }
}
