using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TaskManager.Features.Accounts.Login;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

// One class per item of the OWASP API Security Top 10 (2023) that applies to this service. Slice tests cover
// each route's own rules; these attack the service the way the list describes. Not covered here: API7 (SSRF,
// the service fetches no URL a client gives) and API10 (the message consumers validate what they receive:
// Tests/Features/Tasks/RecordAuditEntryTests).

/// <summary>API1:2023 Broken Object Level Authorization: another user's task, by its id.</summary>
public sealed class Api1BrokenObjectLevelAuthorizationTests : ApiTest
{
    private async Task<(long TaskId, string Alice, string Bob)> AlicesTaskAsync()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var created = await SendAsync(HttpMethod.Post, "/api/task", alice, Json("""{"task_name":"Alice's","priority":"LOW"}"""));
        return ((await ReadJsonAsync(created))["id"]!.GetValue<long>(), alice, bob);
    }

    [Test]
    public async Task Another_user_can_neither_change_nor_delete_a_task_by_its_id_and_it_stays_as_it_was()
    {
        var (taskId, _, bob) = await AlicesTaskAsync();

        await AssertProblemAsync(await SendAsync(HttpMethod.Put, $"/api/task/{taskId}", bob, Json("""{"task_name":"mine now","assigned_user_id":2}""")), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, $"/api/task/{taskId}", bob), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, $"/api/task/{taskId}?permanent=true", bob), HttpStatusCode.Forbidden);

        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
            "SELECT task_name || '/' || status || '/' || assigned_user_id || '/' || version FROM tasks WHERE id = @id", ("id", taskId)),
            Is.EqualTo("Alice's/true/1/1"));
    }

    [Test]
    public async Task Another_user_cannot_read_a_tasks_audit_trail_and_cannot_write_the_daily_log()
    {
        var (taskId, _, bob) = await AlicesTaskAsync();
        var logId = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM task_logger WHERE task_id = @id", ("id", taskId));

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/task/{taskId}/audit", bob), HttpStatusCode.Forbidden);
        // The log is readable by everyone signed in (SPEC), and no route writes it directly.
        Assert.That((await SendAsync(HttpMethod.Get, $"/api/task/{logId}", bob)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(HttpMethod.Put, $"/api/tasks/{logId}", bob, Json("""{"status":false}"""))).StatusCode,
            Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task A_user_cannot_act_on_another_users_sign_in_without_holding_its_refresh_token()
    {
        await RegisterAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var aliceRefresh = (await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" })))["refresh_token"]!.GetValue<string>();

        // Bob's access token gives him no handle on Alice's sign-in: logout needs the refresh token itself.
        await SendAsync(HttpMethod.Post, "/api/logout", bob, Json("""{"refresh_token":"guess"}"""));

        Assert.That((await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = aliceRefresh })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}

/// <summary>API2:2023 Broken Authentication: forged, altered and replayed credentials.</summary>
public sealed class Api2BrokenAuthenticationTests : ApiTest
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(TaskManagerApp.SigningKey);

    private static string Payload(long userId, DateTimeOffset? expires = null, DateTimeOffset? notBefore = null, bool withExpiry = true)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["sub"] = userId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["unique_name"] = "alice",
            ["role"] = new JsonArray("user", "admin"),
            ["iss"] = "taskmanager",
            ["aud"] = "taskmanager-api",
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = (notBefore ?? now.AddMinutes(-1)).ToUnixTimeSeconds(),
        };
        if (withExpiry)
        {
            payload["exp"] = (expires ?? now.AddMinutes(10)).ToUnixTimeSeconds();
        }
        return payload.ToJsonString();
    }

    /// <summary>A token with exactly this header and payload, signed by the given function over "header.payload".</summary>
    private static string Craft(string header, string payload, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}";
        return $"{signingInput}.{Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    private static byte[] Hs256(byte[] data) => HMACSHA256.HashData(Secret, data);

    private async Task<long> AliceAsync() => (await SignUpAsync("alice")).Id;

    private async Task AssertRefusedAsync(string token)
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", token), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users", token), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task The_crafting_helper_makes_tokens_the_service_accepts()
    {
        // The control for the attacks below: the same construction with the right header is accepted.
        var token = Craft("""{"alg":"HS256","typ":"at+jwt"}""", Payload(await AliceAsync()), Hs256);
        Assert.That((await SendAsync(HttpMethod.Get, "/api/me", token)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_token_with_alg_none_is_refused() =>
        await AssertRefusedAsync(Craft("""{"alg":"none","typ":"at+jwt"}""", Payload(await AliceAsync()), _ => []));

    [Test]
    public async Task A_token_whose_payload_was_edited_after_signing_is_refused()
    {
        var id = await AliceAsync();
        var parts = Craft("""{"alg":"HS256","typ":"at+jwt"}""", Payload(id), Hs256).Split('.');
        var raised = Base64UrlEncoder.Encode(Payload(id + 1));
        await AssertRefusedAsync($"{parts[0]}.{raised}.{parts[2]}");
    }

    [Test]
    public async Task An_RS256_token_signed_with_an_attackers_key_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "taskmanager",
            Audience = "taskmanager-api",
            Expires = DateTime.UtcNow.AddMinutes(10),
            TokenType = "at+jwt",
            Subject = new ClaimsIdentity([new Claim("sub", (await AliceAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture))]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256),
        });
        await AssertRefusedAsync(token);
    }

    [Test]
    public async Task An_RS256_header_over_an_HMAC_made_with_the_secret_as_public_key_is_refused() =>
        // The classic algorithm confusion: a verifier that trusts the header would check an "RSA" signature
        // by HMAC with the key material it holds.
        await AssertRefusedAsync(Craft("""{"alg":"RS256","typ":"at+jwt"}""", Payload(await AliceAsync()), Hs256));

    [Test]
    public async Task An_HS512_token_made_with_the_right_secret_is_refused_because_the_algorithm_is_pinned() =>
        await AssertRefusedAsync(Craft("""{"alg":"HS512","typ":"at+jwt"}""", Payload(await AliceAsync()), data => HMACSHA512.HashData(Secret, data)));

    [TestCase("JWT")]
    [TestCase(null)]
    public async Task A_token_of_another_type_is_refused(string? type)
    {
        var header = type is null ? """{"alg":"HS256"}""" : $$"""{"alg":"HS256","typ":"{{type}}"}""";
        await AssertRefusedAsync(Craft(header, Payload(await AliceAsync()), Hs256));
    }

    [Test]
    public async Task A_token_without_an_expiry_is_refused() =>
        await AssertRefusedAsync(Craft("""{"alg":"HS256","typ":"at+jwt"}""", Payload(await AliceAsync(), withExpiry: false), Hs256));

    [Test]
    public async Task A_token_expired_longer_ago_than_the_30_second_skew_is_refused() =>
        await AssertRefusedAsync(Craft("""{"alg":"HS256","typ":"at+jwt"}""", Payload(await AliceAsync(), expires: DateTimeOffset.UtcNow.AddSeconds(-45)), Hs256));

    [Test]
    public async Task A_token_not_valid_until_later_is_refused() =>
        await AssertRefusedAsync(Craft("""{"alg":"HS256","typ":"at+jwt"}""", Payload(await AliceAsync(), notBefore: DateTimeOffset.UtcNow.AddMinutes(5)), Hs256));

    [TestCase("issuer")]
    [TestCase("audience")]
    public async Task A_token_for_another_issuer_or_audience_is_refused(string wrong)
    {
        var id = await AliceAsync();
        await AssertRefusedAsync(wrong == "issuer"
            ? TestTokens.For(id, "alice", ["user"], issuer: "https://evil.example")
            : TestTokens.For(id, "alice", ["user"], audience: "another-api"));
    }

    [Test]
    public async Task A_token_in_the_query_string_or_a_cookie_is_not_accepted()
    {
        var (_, token) = await SignUpAsync("alice");
        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        cookie.Headers.Add("Cookie", $"access_token={token}");

        await AssertProblemAsync(await Client.GetAsync($"/api/me?access_token={token}"), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Client.SendAsync(cookie), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Guessing_a_password_locks_the_account_and_a_replayed_refresh_token_ends_the_sign_in()
    {
        await RegisterAsync("alice");
        var refresh = (await ReadJsonAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" })))["refresh_token"]!.GetValue<string>();
        var rotated = (await ReadJsonAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = refresh })))["refresh_token"]!.GetValue<string>();
        for (var i = 0; i < 5; i++)
        {
            await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = $"guess-{i}-horse" });
        }

        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = refresh }), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = rotated }), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_deactivated_users_tokens_stop_working_at_once()
    {
        var (_, admin) = await SignUpAdminAsync();
        var (aliceId, alice) = await SignUpAsync("alice");
        Assert.That((await SendAsync(HttpMethod.Get, "/api/me", alice)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await SendAsync(HttpMethod.Put, $"/api/users/{aliceId}/active", admin, Json("""{"active":false}"""));

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", alice), HttpStatusCode.Unauthorized);
    }
}

/// <summary>API3:2023 Broken Object Property Level Authorization: mass assignment, and properties a client must never see.</summary>
public sealed class Api3BrokenObjectPropertyLevelAuthorizationTests : ApiTest
{
    [Test]
    public async Task Registration_ignores_roles_id_and_state_sent_in_the_body()
    {
        var response = await Client.PostAsync("/api/register", Json("""
            {"username":"mallory","email":"mallory@example.com","password":"correct-horse-1",
             "roles":["admin"],"role":"admin","id":1000,"is_active":true,"token_version":7,"failed_logins":-100,
             "created_at":"2000-01-01T00:00:00Z","password_hash":"x"}
            """));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, """
            SELECT u.id || '/' || u.token_version || '/' || u.failed_logins || '/' || extract(year FROM u.created_at) || '/' ||
                   (SELECT string_agg(r.name, ',') FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id) || '/' ||
                   (u.password_hash <> 'x')
            FROM users u
            """), Is.EqualTo($"1/0/0/{DateTime.UtcNow.Year}/user/true"));
    }

    [Test]
    public async Task Task_routes_ignore_the_fields_the_server_owns()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var created = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/task", alice, Json($$"""
            {"task_name":"Plan","priority":"LOW","id":999,"created_by":{{bobId}},"created_at":"2000-01-01T00:00:00Z"}
            """)));
        var id = created["id"]!.GetValue<long>();

        var updated = await ReadJsonAsync(await SendAsync(HttpMethod.Put, $"/api/task/{id}", alice, Json($$"""
            {"task_name":"Plan B","id":5000,"created_by":{{bobId}},"created_at":"2000-01-01T00:00:00Z","version":99}
            """)));

        Assert.Multiple(() =>
        {
            Assert.That(id, Is.Not.EqualTo(999));
            Assert.That(updated["id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(updated["task_name"]!.GetValue<string>(), Is.EqualTo("Plan B"));
            Assert.That(updated["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(updated["created_at"]!.GetValue<DateTime>(), Is.EqualTo(created["created_at"]!.GetValue<DateTime>()));
        });
    }

    [Test]
    public async Task The_admin_routes_change_only_the_property_they_name()
    {
        var (_, admin) = await SignUpAdminAsync();
        var (aliceId, _) = await SignUpAsync("alice");

        await SendAsync(HttpMethod.Put, $"/api/users/{aliceId}/roles", admin, Json("""{"roles":["manager"],"is_active":false,"username":"root2","id":1}"""));
        await SendAsync(HttpMethod.Put, $"/api/users/{aliceId}/active", admin, Json("""{"active":true,"roles":["admin"],"email":"x@example.com"}"""));

        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, """
            SELECT u.username || '/' || u.email || '/' || u.is_active || '/' ||
                   (SELECT string_agg(r.name, ',' ORDER BY r.id) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id)
            FROM users u WHERE u.id = @id
            """, ("id", aliceId)), Is.EqualTo("alice/alice@example.com/true/user,manager"));
    }

    [Test]
    public async Task No_answer_exposes_password_hashes_token_versions_or_lockout_state()
    {
        var (_, admin) = await SignUpAdminAsync();
        var (aliceId, alice) = await SignUpAsync("alice");

        var bodies = new[]
        {
            await (await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" })).Content.ReadAsStringAsync(),
            await (await SendAsync(HttpMethod.Get, "/api/me", alice)).Content.ReadAsStringAsync(),
            await (await SendAsync(HttpMethod.Get, "/api/users", admin)).Content.ReadAsStringAsync(),
            await (await SendAsync(HttpMethod.Put, $"/api/users/{aliceId}/roles", admin, Json("""{"roles":["manager"]}"""))).Content.ReadAsStringAsync(),
            await (await SendAsync(HttpMethod.Put, $"/api/users/{aliceId}/active", admin, Json("""{"active":true}"""))).Content.ReadAsStringAsync(),
        };

        Assert.That(bodies, Has.All.Not.Contain("password").And.Not.Contain("token_version").And.Not.Contain("failed_logins").And.Not.Contain("locked"));
    }
}

/// <summary>API4:2023 Unrestricted Resource Consumption: sizes and rates. Each limited route's 429 is in
/// Tests/Infrastructure/RateLimiting; here the bounds the shared application enforces.</summary>
public sealed class Api4UnrestrictedResourceConsumptionTests : ApiTest
{
    [TestCase("/api/register")]
    [TestCase("/api/login")]
    [TestCase("/api/token/refresh")]
    [TestCase("/api/logout")]
    public async Task An_oversized_body_to_an_anonymous_route_is_413_problem_json(string route)
    {
        var body = $$"""{"username":"{{new string('x', 100_000)}}","password":"p","refresh_token":"t"}""";
        await AssertProblemAsync(await Client.PostAsync(route, Json(body)), HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task An_oversized_body_to_a_signed_in_route_is_413_problem_json()
    {
        var (_, token) = await SignUpAsync("alice");
        var body = $$"""{"task_name":"t","priority":"LOW","description":"{{new string('d', 100_000)}}"}""";
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/task", token, Json(body)), HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero);
    }

    [Test]
    public async Task A_password_long_enough_to_make_hashing_expensive_is_refused_before_hashing()
    {
        var problem = await AssertProblemAsync(await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = new string('p', 10_000) }), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["password"], Is.Not.Null);
    }

    [TestCase("/api/users?per_page=1000")]
    [TestCase("/api/tasks?per_page=1000")]
    public async Task Pages_are_capped(string url)
    {
        var (id, _) = await SignUpAsync("root");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, url, TestTokens.For(id, "root", ["user", "admin"])), HttpStatusCode.BadRequest);
    }
}

/// <summary>API5:2023 Broken Function Level Authorization: every admin route with a user's and a manager's
/// token, and the manager route with a user's.</summary>
public sealed class Api5BrokenFunctionLevelAuthorizationTests : ApiTest
{
    private static readonly (string Method, string Url, string? Body)[] AdminRoutes =
    [
        ("GET", "/api/users", null),
        ("PUT", "/api/users/{victim}/roles", """{"roles":["admin"]}"""),
        ("PUT", "/api/users/{victim}/active", """{"active":false}"""),
        ("DELETE", "/api/task/{task}?permanent=true", null),
        ("POST", "/api/task-log/snapshot", null),
    ];

    [TestCase("user")]
    [TestCase("manager")]
    public async Task Every_admin_route_refuses_lower_roles_and_changes_nothing(string role)
    {
        var (callerId, _) = await SignUpAsync("caller");
        var (victimId, victim) = await SignUpAsync("victim");
        var task = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/task", victim, Json("""{"task_name":"t","priority":"LOW"}"""))))["id"]!.GetValue<long>();
        var token = TestTokens.For(callerId, "caller", role == "user" ? ["user"] : ["user", role]);

        foreach (var (method, url, body) in AdminRoutes)
        {
            var target = url.Replace("{victim}", victimId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Replace("{task}", task.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var response = await SendAsync(new HttpMethod(method), target, token, body is null ? null : Json(body));
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM user_roles WHERE role_id <> 1"), Is.Zero);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM users WHERE NOT is_active"), Is.Zero);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task The_audit_trail_refuses_a_plain_user()
    {
        var (id, token) = await SignUpAsync("alice");
        var task = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/task", token, Json("""{"task_name":"t","priority":"LOW"}"""))))["id"]!.GetValue<long>();

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/task/{task}/audit", TestTokens.For(id, "alice", ["user"])), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_role_claimed_in_an_edited_token_grants_nothing()
    {
        var (id, _) = await SignUpAsync("alice");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users", TestTokens.Tampered(id, "alice")), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Admin_routes_without_a_token_are_401()
    {
        foreach (var (method, url, body) in AdminRoutes)
        {
            var response = await SendAsync(new HttpMethod(method), url.Replace("{victim}", "1").Replace("{task}", "1"), null, body is null ? null : Json(body));
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }
}

/// <summary>API6:2023 Unrestricted Access to Sensitive Business Flows: sign-up and sign-in are the flows a bot
/// would automate. Both are limited per address (see RateLimitingTests) and a sign-in cannot tell which names exist.</summary>
public sealed class Api6SensitiveBusinessFlowTests : ApiTest
{
    [Test]
    public async Task Registration_and_login_declare_their_own_stricter_limits()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var endpoints = App.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints;
        string? PolicyOf(string pattern) => endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == pattern)
            .Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()?.PolicyName;

        Assert.Multiple(() =>
        {
            Assert.That(PolicyOf("/api/register"), Is.EqualTo("register"));
            Assert.That(PolicyOf("/api/login"), Is.EqualTo("login"));
            Assert.That(document["paths"]!["/api/login"]!["post"]!["responses"]!["429"], Is.Not.Null);
        });
    }
}

/// <summary>API8:2023 Security Misconfiguration: no internals in any error, headers set, no needless methods.</summary>
public sealed class Api8SecurityMisconfigurationTests : ApiTest
{
    private static readonly string[] Internals = ["   at ", "Exception", "Npgsql", "SELECT", "INSERT", "System.", "TaskManager.", ".cs:line"];

    [Test]
    public async Task An_unexpected_failure_answers_500_without_stack_trace_type_or_SQL()
    {
        await using var app = new TaskManagerApp(App.ConnectionString)
        {
            TestServices = services => services.AddSingleton<IValidator<LoginRequest>>(new ExplodingValidator()),
        };
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        var body = problem.ToJsonString();
        Assert.That(Internals, Has.None.Matches<string>(body.Contains));
        Assert.That(response.Headers.Contains("X-Content-Type-Options"), Is.True, "a rewritten error keeps the security headers");
    }

    private sealed class ExplodingValidator : AbstractValidator<LoginRequest>
    {
        public override Task<ValidationResult> ValidateAsync(ValidationContext<LoginRequest> context, CancellationToken cancellation = default) =>
            throw new InvalidOperationException("SELECT password_hash FROM users WHERE username = 'alice' -- Npgsql.PostgresException");
    }

    [Test]
    public async Task Client_errors_of_every_kind_reveal_no_internals()
    {
        var (_, token) = await SignUpAsync("alice");
        var responses = new[]
        {
            await Client.PostAsync("/api/login", Json("{\"username\": ")),
            await Client.PostAsync("/api/register", Json("""{"username":5}""")),
            await SendAsync(HttpMethod.Get, "/api/tasks?date=2025-02-30", token),
            await SendAsync(HttpMethod.Get, "/api/task/abc", token),
            await SendAsync(HttpMethod.Put, "/api/task/99999999999999999999", token, Json("{}")),
            await SendAsync(HttpMethod.Post, "/api/task", token, Json("""{"task_name":"t","priority":"LOW","assigned_user_id":424242}""")),
            await SendAsync(HttpMethod.Get, "/api/me", "not.a.jwt"),
            await Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/login")),
        };

        foreach (var response in responses)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That((int)response.StatusCode, Is.InRange(400, 499), body);
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
                Assert.That(Internals, Has.None.Matches<string>(body.Contains), body);
            });
        }
    }

    [Test]
    public async Task Token_answers_are_never_cached()
    {
        await RegisterAsync("alice");
        var login = await Client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" });
        var refresh = await Client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = (await ReadJsonAsync(login))["refresh_token"]!.GetValue<string>() });

        Assert.Multiple(() =>
        {
            Assert.That(login.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(refresh.Headers.CacheControl?.NoStore, Is.True);
        });
    }
}

/// <summary>API9:2023 Improper Inventory Management: the OpenAPI documents are the inventory; every route is in
/// it with the authorization it demands.</summary>
public sealed class Api9ImproperInventoryManagementTests : ApiTest
{
    [Test]
    public async Task Every_API_route_is_documented_and_the_signed_in_ones_declare_the_bearer_requirement()
    {
        // Every route is in v1 or v2 (the account routes in both).
        var paths = new JsonObject();
        foreach (var document in new[] { "v1", "v2" })
        {
            foreach (var (path, item) in JsonNode.Parse(await Client.GetStringAsync($"/openapi/{document}.json"))!["paths"]!.AsObject())
            {
                paths[path] = item!.DeepClone();
            }
        }
        var routes = App.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api", StringComparison.Ordinal))
            .ToList();
        static string Documented(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+):\w+\}", "{$1}").TrimEnd('/');
        var anonymous = new[] { "/api/register", "/api/login", "/api/token/refresh", "/api/logout" };

        Assert.Multiple(() =>
        {
            foreach (var route in routes)
            {
                var path = Documented(route.RoutePattern.RawText!);
                Assert.That(paths.ContainsKey(path), Is.True, $"{path} is documented");
                if (!paths.ContainsKey(path))
                {
                    continue;
                }
                foreach (var (_, operation) in paths[path]!.AsObject())
                {
                    // Anonymous operations say so with an empty list (security: []), the others name the bearer scheme.
                    Assert.That(operation!["security"]?.AsArray().Count, Is.EqualTo(anonymous.Contains(path) ? 0 : 1), $"{path}: bearer requirement");
                }
            }
        });
    }
}
