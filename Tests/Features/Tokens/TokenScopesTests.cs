using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

/// <summary>Each scope against each family of routes, for a user whose roles allow everything: what a token may call
/// is decided by its scopes alone, through the policies the routes already declare.</summary>
public sealed class TokenScopesTests : ApiTest
{
    private static readonly string[] Scopes = ["tasks:read", "tasks:write", "imports", "webhooks", "admin"];

    /// <summary>A route family: one call of it, and the scopes that open it (none: only a password session).</summary>
    private sealed record Family(string Name, HttpMethod Method, string Url, string? Body, params string[] OpenedBy);

    private static readonly Family[] Families =
    [
        new("tasks read", HttpMethod.Get, "/api/v2/tasks", null, "tasks:read", "tasks:write"),
        new("task log read", HttpMethod.Get, "/api/tasks", null, "tasks:read", "tasks:write"),
        new("projects read", HttpMethod.Get, "/api/v2/projects", null, "tasks:read", "tasks:write"),
        new("tasks write", HttpMethod.Post, "/api/v2/tasks", """{"task_name":"From a token","priority":"LOW"}""", "tasks:write"),
        new("imports", HttpMethod.Get, "/api/v2/imports", null, "imports"),
        new("webhooks", HttpMethod.Get, "/api/v2/webhooks", null, "webhooks"),
        new("admin users", HttpMethod.Get, "/api/users", null, "admin"),
        new("who am I", HttpMethod.Get, "/api/me", null, Scopes),
        new("tokens list", HttpMethod.Get, "/api/v2/tokens", null),
        new("tokens create", HttpMethod.Post, "/api/v2/tokens", """{"name":"child","scopes":["tasks:read"]}"""),
        new("password change", HttpMethod.Put, "/api/me/password", """{"current_password":"correct-horse-1","new_password":"another-horse-2"}"""),
    ];

    [Test]
    public async Task Each_scope_opens_its_own_routes_and_no_others()
    {
        var (rootId, _) = await SignUpAdminAsync();
        var root = TestTokens.For(rootId, "root", ["user", "admin"]);
        var tokens = new Dictionary<string, string>();
        foreach (var scope in Scopes)
        {
            tokens[scope] = (await CreatePersonalTokenAsync(root, scope)).Token;
        }

        var wrong = new List<string>();
        foreach (var family in Families)
        {
            foreach (var scope in Scopes)
            {
                var response = await SendAsync(family.Method, family.Url, tokens[scope], family.Body is null ? null : Json(family.Body));
                var challenge = response.Headers.WwwAuthenticate.ToString();
                var opened = family.OpenedBy.Contains(scope);
                var ok = opened
                    ? response.IsSuccessStatusCode
                    : response.StatusCode == HttpStatusCode.Forbidden && challenge.StartsWith("Bearer error=\"insufficient_scope\"", StringComparison.Ordinal)
                      && (family.OpenedBy.Length == 0 || challenge.Contains($"scope=\"{family.OpenedBy[0]}\"", StringComparison.Ordinal));
                if (!ok)
                {
                    wrong.Add($"{family.Name} with {scope}: {(int)response.StatusCode} {challenge}");
                }
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public async Task A_password_session_holds_every_scope()
    {
        var (rootId, _) = await SignUpAdminAsync();
        var root = TestTokens.For(rootId, "root", ["user", "admin"]);

        var statuses = new List<HttpStatusCode>();
        foreach (var family in Families.Where(f => f.Name is not "password change"))
        {
            statuses.Add((await SendAsync(family.Method, family.Url, root, family.Body is null ? null : Json(family.Body))).StatusCode);
        }

        Assert.That(statuses, Is.All.Matches<HttpStatusCode>(s => (int)s is >= 200 and < 300));
    }

    [Test]
    public async Task A_route_outside_the_tokens_scopes_is_403_problem_json_naming_the_scope()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, token) = await CreatePersonalTokenAsync(alice, "tasks:read");

        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json("""{"task_name":"Nope","priority":"LOW"}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer error=\"insufficient_scope\", scope=\"tasks:write\""));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("tasks:write"));
        });
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero);
    }

    [Test]
    public async Task A_token_never_does_more_than_its_user()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, token) = await CreatePersonalTokenAsync(alice, "tasks:read", "tasks:write", "imports");

        var users = await SendAsync(HttpMethod.Get, "/api/users", token);
        var webhooks = await SendAsync(HttpMethod.Get, "/api/v2/webhooks", token);

        Assert.Multiple(async () =>
        {
            // Neither scope nor role: refused, and the scope is named (a token with it would still lack the role).
            await AssertProblemAsync(users, HttpStatusCode.Forbidden);
            await AssertProblemAsync(webhooks, HttpStatusCode.Forbidden);
            Assert.That(users.Headers.WwwAuthenticate.ToString(), Does.Contain("scope=\"admin\""));
            Assert.That(webhooks.Headers.WwwAuthenticate.ToString(), Does.Contain("scope=\"webhooks\""));
        });
    }
}
