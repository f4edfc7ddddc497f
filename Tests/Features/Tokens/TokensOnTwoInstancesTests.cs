using System.Net;
using TaskManager.Tests.Infrastructure.RateLimiting;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

/// <summary>Two api instances on one PostgreSQL and Redis, as behind a load balancer: a token works on both the moment it
/// is made, and is refused on both the moment it is revoked.</summary>
public sealed class TokensOnTwoInstancesTests
{
    private static readonly string? Redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");

    private TaskManagerApp a = null!;
    private TaskManagerApp b = null!;

    [SetUp]
    public async Task StartAsync()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("pat");
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis,
            ["Caching:InstanceName"] = "test-pat-" + Guid.NewGuid().ToString("N")[..8],
            // A bucket that refills slowly, so a count shows each call.
            ["RateLimiting:User:TokenLimit"] = "30",
            ["RateLimiting:User:TokensPerSecond"] = "1",
        };
        a = new TaskManagerApp(database, shared);
        b = new TaskManagerApp(database, shared);
        _ = a.Server;
        _ = b.Server;
        await a.ReadyAsync();
        await b.ReadyAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    [Test]
    public async Task A_token_revoked_on_one_instance_is_refused_on_the_other_at_once()
    {
        var session = await SignedInClient.SignUpAsync(a);
        var made = await session.SendAsync(HttpMethod.Post, "/api/v2/tokens", """{"name":"shared","scopes":["tasks:read"]}""");
        var body = System.Text.Json.Nodes.JsonNode.Parse(await made.Content.ReadAsStringAsync())!;
        var onB = session.On(b) with { Token = body["token"]!.GetValue<string>() };
        var onA = onB.On(a);
        var before = (await onB.SendAsync(HttpMethod.Get, "/api/v2/tasks")).StatusCode; // B now holds the token in its cache
        var beforeA = (await onA.SendAsync(HttpMethod.Get, "/api/v2/tasks")).StatusCode;

        var revoked = await session.SendAsync(HttpMethod.Delete, $"/api/v2/tokens/{body["id"]}");
        var afterB = await onB.SendAsync(HttpMethod.Get, "/api/v2/tasks");
        var afterA = await onA.SendAsync(HttpMethod.Get, "/api/v2/tasks");

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(HttpStatusCode.OK), "made on A, it works on B at once");
            Assert.That(beforeA, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(afterB.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "B forgot it before A answered the revocation");
            Assert.That(afterA.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task A_tokens_rate_limit_is_one_budget_across_instances()
    {
        var session = await SignedInClient.SignUpAsync(a);
        var token = session with { Token = await RateLimitHeadersTests.CreateTokenAsync(session, "\"tasks:read\"") };

        var left = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            left.Add(RateLimitHeadersTests.Remaining(await (i % 2 == 0 ? token : token.On(b)).SendAsync(HttpMethod.Get, "/api/me")));
        }

        // Alternating instances, the count falls by about one a call (a refill may add one back between calls).
        Assert.That(left[3], Is.LessThanOrEqualTo(left[0] - 2), string.Join(", ", left));
    }
}
