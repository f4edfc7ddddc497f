using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class SetUserActiveTests : ApiTest
{
    private async Task<string> AdminAsync() => (await SignUpAdminAsync()).Token;

    private Task<HttpResponseMessage> SetActiveAsync(long id, string? token, bool active) =>
        SendAsync(HttpMethod.Put, $"/api/users/{id}/active", token, Json($$"""{"active":{{(active ? "true" : "false")}}}"""));

    [Test]
    public async Task A_deactivated_user_is_locked_out_at_once_access_token_refresh_token_and_password()
    {
        var admin = await AdminAsync();
        await RegisterAsync("alice");
        var login = await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }));
        var access = login["access_token"]!.GetValue<string>();
        var aliceId = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/me", access)))["id"]!.GetValue<long>();
        // The account check has been cached by the call above: the deactivation must not wait for it to expire.

        var response = await SetActiveAsync(aliceId, admin, active: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ReadJsonAsync(response))["is_active"]!.GetValue<bool>(), Is.False);
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", access), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/task", access, Json("""{"task_name":"x","priority":"LOW"}""")), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = login["refresh_token"]!.GetValue<string>() }), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_reactivated_user_signs_in_again_but_tokens_from_before_stay_dead()
    {
        var admin = await AdminAsync();
        var (aliceId, before) = await SignUpAsync("alice");
        await SetActiveAsync(aliceId, admin, active: false);

        var response = await SetActiveAsync(aliceId, admin, active: true);
        var login = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });

        Assert.Multiple(async () =>
        {
            Assert.That((await ReadJsonAsync(response))["is_active"]!.GetValue<bool>(), Is.True);
            Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", (await ReadJsonAsync(login))["access_token"]!.GetValue<string>())).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", before)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task Another_instance_honours_a_deactivation_within_the_account_check_cache_time()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        await using var other = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?> { ["Auth:AccountCheckCacheSeconds"] = "1" });
        using var otherClient = other.CreateClient();
        Task<HttpResponseMessage> MeOnOther()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.Authorization = new("Bearer", alice);
            return otherClient.SendAsync(request);
        }
        Assert.That((await MeOnOther()).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await SetActiveAsync(aliceId, await AdminAsync(), active: false);
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.That((await MeOnOther()).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task An_admin_cannot_deactivate_themselves()
    {
        var (rootId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(rootId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SetActiveAsync(rootId, admin, active: false), HttpStatusCode.Conflict);
    }

    [Test]
    public async Task Two_admins_deactivating_each_other_at_once_leave_one_active_admin()
    {
        for (var round = 0; round < 5; round++)
        {
            var (aId, a) = await SignUpAdminAsync($"admin_a{round}");
            var (bId, b) = await SignUpAdminAsync($"admin_b{round}");
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", a)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", b)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            var answers = await Task.WhenAll(SetActiveAsync(bId, a, active: false), SetActiveAsync(aId, b, active: false));

            var active = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM users WHERE is_active AND id IN (@a, @b)", ("a", aId), ("b", bId));
            Assert.Multiple(() =>
            {
                Assert.That(active, Is.EqualTo(1), $"round {round}");
                Assert.That(answers.Select(r => r.StatusCode), Has.Exactly(1).EqualTo(HttpStatusCode.OK), $"round {round}");
                Assert.That(answers.Select(r => r.StatusCode), Has.Exactly(1).AnyOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), $"round {round}");
            });
        }
    }

    [Test]
    public async Task A_caller_whose_admin_role_was_removed_meanwhile_cannot_deactivate_anyone()
    {
        var (rootId, admin) = await SignUpAdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");
        await Sql.ExecuteAsync(App.ConnectionString, "DELETE FROM user_roles WHERE user_id = @id AND role_id = (SELECT id FROM roles WHERE name = 'admin')", ("id", rootId));

        await AssertProblemAsync(await SetActiveAsync(aliceId, admin, active: false), HttpStatusCode.Forbidden);
        Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, "SELECT is_active FROM users WHERE id = @id", ("id", aliceId)), Is.True);
    }

    [Test]
    public async Task An_unknown_user_is_404_and_a_missing_flag_is_400()
    {
        var admin = await AdminAsync();
        await AssertProblemAsync(await SetActiveAsync(4242, admin, active: false), HttpStatusCode.NotFound);
        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Put, "/api/users/1/active", admin, Json("{}")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["active"], Is.Not.Null);
    }

    [TestCase("user")]
    [TestCase("manager")]
    public async Task Only_admins_may_deactivate(string role)
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var token = TestTokens.For(aliceId, "alice", role == "user" ? ["user"] : ["user", role]);

        await AssertProblemAsync(await SetActiveAsync(bobId, token, active: false), HttpStatusCode.Forbidden);
        Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, "SELECT is_active FROM users WHERE id = @id", ("id", bobId)), Is.True);
    }
}
