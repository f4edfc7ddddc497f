using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class RefreshTokenTests : ApiTest
{
    private async Task<(string Access, string Refresh)> LoginAsync(string username = "alice")
    {
        var login = await Client.PostAsJsonAsync("/api/login", new { username, password = "correct-horse-1" });
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ReadJsonAsync(login);
        return (body["access_token"]!.GetValue<string>(), body["refresh_token"]!.GetValue<string>());
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = refreshToken });

    [Test]
    public async Task Refreshing_returns_a_new_pair_shaped_like_the_login_answer()
    {
        await RegisterAsync("alice");
        var (_, refresh) = await LoginAsync();

        var response = await RefreshAsync(refresh);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ReadJsonAsync(response);
        var access = body["access_token"]!.GetValue<string>();
        Assert.Multiple(async () =>
        {
            Assert.That(body.Select(p => p.Key), Is.EquivalentTo(new[] { "message", "access_token", "token_type", "expires_in", "refresh_token", "username" }));
            Assert.That(body["token_type"]!.GetValue<string>(), Is.EqualTo("Bearer"));
            Assert.That(body["expires_in"]!.GetValue<int>(), Is.EqualTo(15 * 60));
            Assert.That(body["username"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(body["refresh_token"]!.GetValue<string>(), Is.Not.EqualTo(refresh));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That((await SendAsync(HttpMethod.Get, "/api/me", access)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_refresh_token_is_256_random_bits_in_base64url_and_only_its_SHA_256_is_stored()
    {
        await RegisterAsync("alice");
        var (_, refresh) = await LoginAsync();

        var stored = await Sql.ScalarAsync<byte[]>(App.ConnectionString, "SELECT token_hash FROM refresh_tokens");
        var anyPlain = await Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE '%' || @token || '%'", ("token", refresh));

        Assert.Multiple(() =>
        {
            Assert.That(refresh, Does.Match("^[A-Za-z0-9_-]{43}$"));
            Assert.That(stored, Is.EqualTo(SHA256.HashData(Encoding.UTF8.GetBytes(refresh))));
            Assert.That(anyPlain, Is.Zero);
        });
    }

    [Test]
    public async Task A_refresh_token_works_once()
    {
        await RegisterAsync("alice");
        var (_, refresh) = await LoginAsync();

        Assert.That((await RefreshAsync(refresh)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(await RefreshAsync(refresh), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Reusing_a_spent_refresh_token_revokes_its_whole_family_but_not_other_sign_ins()
    {
        await RegisterAsync("alice");
        var (_, first) = await LoginAsync();
        var (_, otherDevice) = await LoginAsync();
        var second = (await ReadJsonAsync(await RefreshAsync(first)))["refresh_token"]!.GetValue<string>();

        // An attacker replays the stolen, already rotated token.
        await AssertProblemAsync(await RefreshAsync(first), HttpStatusCode.Unauthorized);

        await AssertProblemAsync(await RefreshAsync(second), HttpStatusCode.Unauthorized);
        Assert.That((await RefreshAsync(otherDevice)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "another sign-in is its own family");
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
            "SELECT string_agg(DISTINCT revoked_reason, ',') FROM refresh_token_families WHERE revoked_at IS NOT NULL"), Is.EqualTo("reuse"));
    }

    [Test]
    public async Task An_expired_refresh_token_is_401()
    {
        await RegisterAsync("alice");
        var (_, refresh) = await LoginAsync();
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'");

        await AssertProblemAsync(await RefreshAsync(refresh), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_refresh_token_lives_the_configured_number_of_days()
    {
        await RegisterAsync("alice");
        await LoginAsync();

        var days = await Sql.ScalarAsync<double>(App.ConnectionString,
            "SELECT extract(epoch FROM expires_at - issued_at)::float8 / 86400 FROM refresh_tokens");
        Assert.That(days, Is.EqualTo(14).Within(0.001));
    }

    [TestCase("not-a-token")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task An_unknown_refresh_token_is_401(string token)
    {
        var problem = await AssertProblemAsync(await RefreshAsync(token), HttpStatusCode.Unauthorized);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Sign in again"));
    }

    [Test]
    public async Task A_refresh_without_a_token_is_a_validation_error()
    {
        var problem = await AssertProblemAsync(await Client.PostAsync("/api/token/refresh", Json("{}")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["refresh_token"], Is.Not.Null);
    }

    [Test]
    public async Task A_refreshed_access_token_carries_the_roles_the_account_holds_now()
    {
        var (id, _) = await SignUpAsync("alice");
        var (_, refresh) = await LoginAsync();
        await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO user_roles (user_id, role_id) VALUES (@id, 2)", ("id", id));

        var access = (await ReadJsonAsync(await RefreshAsync(refresh)))["access_token"]!.GetValue<string>();

        var me = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/me", access));
        Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user", "manager" }));
    }
}
