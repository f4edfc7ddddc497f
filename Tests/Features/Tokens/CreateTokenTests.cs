using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

public sealed class CreateTokenTests : ApiTest
{
    [Test]
    public async Task A_token_is_shown_once_and_stored_only_as_its_hash()
    {
        var (_, alice) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice,
            Json("""{"name":"CI export","scopes":["tasks:write","tasks:read","tasks:read"]}"""));
        var body = await ReadJsonAsync(response);
        var token = body["token"]!.GetValue<string>();
        var stored = await Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT count(*) FROM access_tokens WHERE token_hash = sha256(convert_to(@t, 'UTF8'))", ("t", token));
        var plain = await Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT count(*) FROM access_tokens a WHERE strpos(a::text, @secret) > 0", ("secret", token["tmpat_".Length..]));
        var days = (body["expires_at"]!.GetValue<DateTime>() - body["created_at"]!.GetValue<DateTime>()).TotalDays;

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/tokens/{body["id"]}"));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "no cache keeps the token");
            Assert.That(token, Does.Match("^tmpat_[A-Za-z0-9_-]{43}$"), "32 random bytes in base64url");
            Assert.That(body["name"]!.GetValue<string>(), Is.EqualTo("CI export"));
            Assert.That(body["scopes"]!.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { "tasks:read", "tasks:write" }));
            Assert.That(body["last_used_at"]?.GetValue<DateTime?>(), Is.Null);
            Assert.That(days, Is.EqualTo(90).Within(0.01), "90 days when expires_in_days is left out");
            Assert.That(stored, Is.EqualTo(1), "its SHA-256 is stored");
            Assert.That(plain, Is.Zero, "the token itself is stored nowhere");
        });
    }

    [Test]
    public async Task A_new_token_signs_in_as_its_user_at_once()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (_, token) = await CreatePersonalTokenAsync(alice, "tasks:read");

        var me = await SendAsync(HttpMethod.Get, "/api/me", token);

        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), await me.Content.ReadAsStringAsync());
        Assert.That((await ReadJsonAsync(me))["id"]!.GetValue<long>(), Is.EqualTo(aliceId));
    }

    [TestCase("""{"name":"x","scopes":["tasks:read"],"expires_in_days":0}""", "expires_in_days")]
    [TestCase("""{"name":"x","scopes":["tasks:read"],"expires_in_days":366}""", "expires_in_days")]
    [TestCase("""{"name":"x","scopes":["tasks:read"],"expires_in_days":1.5}""", "expires_in_days")]
    [TestCase("""{"name":"x","scopes":["tasks:read"],"expires_in_days":"30"}""", "expires_in_days")]
    [TestCase("""{"name":"x","scopes":[]}""", "scopes")]
    [TestCase("""{"name":"x","scopes":["tasks:delete"]}""", "scopes")]
    [TestCase("""{"name":"x"}""", "scopes")]
    [TestCase("""{"name":" ","scopes":["tasks:read"]}""", "name")]
    [TestCase("""{"scopes":["tasks:read"]}""", "name")]
    public async Task A_token_with_a_bad_field_is_refused_with_the_field_named(string json, string field)
    {
        var (_, alice) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice, Json(json));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem.ToJsonString(), Does.Contain(field));
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM access_tokens"), Is.Zero);
    }

    [Test]
    public async Task A_whole_number_of_days_sets_the_expiry()
    {
        var (_, alice) = await SignUpAsync("alice");

        var body = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice,
            Json("""{"name":"short","scopes":["tasks:read"],"expires_in_days":365}""")));

        Assert.That((body["expires_at"]!.GetValue<DateTime>() - body["created_at"]!.GetValue<DateTime>()).TotalDays, Is.EqualTo(365).Within(0.01));
    }

    [TestCase("webhooks")]
    [TestCase("admin")]
    public async Task A_user_cannot_take_a_scope_their_roles_cannot_use(string scope)
    {
        var (_, alice) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice, Json($$"""{"name":"x","scopes":["{{scope}}"]}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["scopes"]![0]!.GetValue<string>(), Does.Contain(scope));
    }

    [Test]
    public async Task A_token_cannot_create_tokens()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, token) = await CreatePersonalTokenAsync(alice, "tasks:read", "tasks:write", "imports");

        var response = await SendAsync(HttpMethod.Post, "/api/v2/tokens", token, Json("""{"name":"child","scopes":["tasks:read"]}"""));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer error=\"insufficient_scope\""));
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM access_tokens"), Is.EqualTo(1));
    }
}
