using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.RateLimiting;

/// <summary>RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-11) on signed-in answers, from the
/// same count that decides a 429. Each test runs an application of its own with a small bucket.</summary>
public sealed partial class RateLimitHeadersTests
{
    private static readonly string? Redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");

    internal static Dictionary<string, string?> SmallBucket(string? redis = null) => new()
    {
        ["RateLimiting:User:TokenLimit"] = "6",
        ["RateLimiting:User:TokensPerSecond"] = "1",
        ["ConnectionStrings:Redis"] = redis ?? "",
    };

    [Test]
    public async Task Each_signed_in_answer_states_the_policy_and_what_is_left_of_it()
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("headers"), SmallBucket());
        var alice = await SignedInClient.SignUpAsync(app);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await alice.SendAsync(HttpMethod.Get, "/api/me"));
        }
        var anonymous = await app.CreateClient().GetAsync("/api/v2/tasks");
        var left = answers.Select(a => Remaining(a)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(a => a.Headers.GetValues("RateLimit-Policy").Single()), Is.All.EqualTo("\"default\";q=6;w=6"));
            Assert.That(answers[0].Headers.GetValues("RateLimit").Single(), Does.Match("^\"default\";r=[0-6];t=[0-6]$"));
            Assert.That(left[2], Is.LessThan(left[0]), "the count goes down with each call");
            Assert.That(anonymous.Headers.Contains("RateLimit"), Is.False, "not on answers to callers who are not signed in");
        });
    }

    [Test]
    public async Task A_429_keeps_Retry_After_and_says_nothing_is_left()
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("headers"), SmallBucket());
        var alice = await SignedInClient.SignUpAsync(app);

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await alice.SendAsync(HttpMethod.Get, "/api/me");
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.That(limited, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(limited!.Headers.RetryAfter?.Delta, Is.Not.Null);
            Assert.That(Remaining(limited), Is.Zero);
        });
    }

    [Test]
    public async Task Two_instances_sharing_Redis_count_down_one_budget()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("headers");
        var settings = SmallBucket(Redis);
        settings["Caching:InstanceName"] = "test-headers-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = new TaskManagerApp(database, settings);
        await using var b = new TaskManagerApp(database, settings);
        var onA = await SignedInClient.SignUpAsync(a);
        var onB = onA.On(b);

        var left = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            left.Add(Remaining(await (i % 2 == 0 ? onA : onB).SendAsync(HttpMethod.Get, "/api/me")));
        }

        // Alternating instances, the count still falls by about one a call (a refill may add one back between calls).
        Assert.That(left[3], Is.LessThanOrEqualTo(left[0] - 2), string.Join(", ", left));
    }

    internal static long Remaining(HttpResponseMessage response) =>
        long.Parse(RemainingPattern().Match(response.Headers.GetValues("RateLimit").Single()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(";r=(\\d+)")]
    private static partial Regex RemainingPattern();

    internal static async Task<string> CreateTokenAsync(SignedInClient session, string scopes)
    {
        var response = await session.SendAsync(HttpMethod.Post, "/api/v2/tokens", $$"""{"name":"bucket","scopes":[{{scopes}}]}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!.GetValue<string>();
    }
}
