using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Infrastructure.RateLimiting;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.RateLimiting;

/// <summary>Each test runs an application of its own with low limits; the shared one has limits too high to meet.</summary>
public sealed class RateLimitingTests : ApiTest
{
    private static readonly string? Redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");

    private static async Task<TaskManagerApp> LimitedAppAsync(Dictionary<string, string?> limits, string? database = null) =>
        new(database ?? await TestDatabase.CreateAsync("limits"), limits);

    private static Task<HttpResponseMessage> RegisterOn(HttpClient client, string name) =>
        client.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "correct-horse-1" });

    private static Task<HttpResponseMessage> LoginOn(HttpClient client, string name, string password = "correct-horse-1") =>
        client.PostAsJsonAsync("/api/login", new { username = name, password });

    private static async Task<int> AssertTooManyAsync(HttpResponseMessage response, int atMostSeconds)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.Multiple(() =>
        {
            Assert.That(retryAfter, Is.Not.Null, "Retry-After in seconds");
            Assert.That(retryAfter!.Value.TotalSeconds, Is.InRange(1, atMostSeconds));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Try again in"));
        });
        return (int)retryAfter!.Value.TotalSeconds;
    }

    [Test]
    public async Task Registration_beyond_the_hourly_limit_per_address_is_429_with_Retry_After()
    {
        await using var app = await LimitedAppAsync(new() { ["RateLimiting:Register:PermitLimit"] = "3" });
        using var client = app.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await RegisterOn(client, $"user{i}")).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        await AssertTooManyAsync(await RegisterOn(client, "user3"), atMostSeconds: 3600);
        Assert.That(await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM users"), Is.EqualTo(3), "the rejected call did nothing");
    }

    [Test]
    public async Task Logins_beyond_the_hourly_limit_per_address_are_429_even_with_the_right_password()
    {
        await using var app = await LimitedAppAsync(new() { ["RateLimiting:Login:PermitLimit"] = "2" });
        using var client = app.CreateClient();
        await RegisterOn(client, "alice");

        Assert.That((await LoginOn(client, "alice", "wrong-horse-1")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await LoginOn(client, "alice")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertTooManyAsync(await LoginOn(client, "alice"), atMostSeconds: 3600);
    }

    [Test]
    public async Task The_login_limit_counts_each_client_address_apart()
    {
        await using var app = await LimitedAppAsync(new() { ["RateLimiting:Login:PermitLimit"] = "1" });
        using var client = app.CreateClient();
        await RegisterOn(client, "alice");

        var first = await LoginFromAsync(app, "203.0.113.7");
        var again = await LoginFromAsync(app, "203.0.113.7");
        var other = await LoginFromAsync(app, "198.51.100.9");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(StatusCodes.Status200OK));
            Assert.That(again, Is.EqualTo(StatusCodes.Status429TooManyRequests));
            Assert.That(other, Is.EqualTo(StatusCodes.Status200OK), "another address has a budget of its own");
        });
    }

    private static async Task<int> LoginFromAsync(TaskManagerApp app, string address)
    {
        var context = await app.Server.SendAsync(http =>
        {
            http.Connection.RemoteIpAddress = IPAddress.Parse(address);
            http.Request.Method = "POST";
            http.Request.Path = "/api/login";
            http.Request.ContentType = "application/json";
            var body = """{"username":"alice","password":"correct-horse-1"}"""u8.ToArray();
            http.Request.Body = new MemoryStream(body);
            http.Request.ContentLength = body.Length;
            http.Features.Set<IHttpRequestBodyDetectionFeature>(new HasBody());
        });
        return context.Response.StatusCode;
    }

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    [Test]
    public async Task A_signed_in_user_who_empties_their_token_bucket_gets_429_and_others_do_not()
    {
        await using var app = await LimitedAppAsync(new()
        {
            ["RateLimiting:User:TokenLimit"] = "3",
            ["RateLimiting:User:TokensPerSecond"] = "1",
        });
        using var client = app.CreateClient();
        var alice = await SignUpOnAsync(client, "alice");
        var bob = await SignUpOnAsync(client, "bob");

        // The bucket refills one token a second, so a fast loop empties it within a few calls.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await SendOnAsync(client, "/api/me", alice);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }
        Assert.That(limited, Is.Not.Null, "alice was throttled");
        await AssertTooManyAsync(limited!, atMostSeconds: 1);
        Assert.That((await SendOnAsync(client, "/api/me", bob)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "bob has a bucket of his own");
    }

    [Test]
    public async Task Anonymous_calls_share_a_token_bucket_per_address_and_health_probes_are_never_limited()
    {
        await using var app = await LimitedAppAsync(new()
        {
            ["RateLimiting:Anonymous:TokenLimit"] = "2",
            ["RateLimiting:Anonymous:TokensPerSecond"] = "1",
        });
        using var client = app.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await client.PostAsJsonAsync("/api/token/refresh", new { refresh_token = "not-a-token" })).StatusCode);
        }
        var health = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            health.Add((await client.GetAsync("/health/live")).StatusCode);
        }

        Assert.Multiple(() =>
        {
            Assert.That(statuses, Does.Contain(HttpStatusCode.TooManyRequests));
            Assert.That(health, Is.All.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task The_upload_policy_admits_its_limit_per_user_per_window()
    {
        await using var app = await LimitedAppAsync(new() { ["RateLimiting:Upload:PermitLimit"] = "2" });
        var partitions = app.Services.GetRequiredService<RateLimitPartitions>();
        RateLimitPartition<string> For(long userId) => partitions.Upload(new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", userId.ToString(System.Globalization.CultureInfo.InvariantCulture))], "test")),
        });

        using var alice = For(1).Factory(For(1).PartitionKey);
        using var bob = For(2).Factory(For(2).PartitionKey);
        var aliceLeases = new List<bool>();
        for (var i = 0; i < 3; i++)
        {
            aliceLeases.Add((await alice.AcquireAsync()).IsAcquired);
        }
        var rejected = await alice.AcquireAsync();
        rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);

        Assert.Multiple(async () =>
        {
            Assert.That(For(1).PartitionKey, Is.Not.EqualTo(For(2).PartitionKey));
            Assert.That(aliceLeases, Is.EqualTo(new[] { true, true, false }));
            Assert.That(retryAfter, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromHours(1)));
            Assert.That((await bob.AcquireAsync()).IsAcquired, Is.True);
        });
    }

    [Test]
    public async Task Two_instances_sharing_Redis_share_the_count()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("limits");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = Redis, ["RateLimiting:Login:PermitLimit"] = "2" };
        await using var a = await LimitedAppAsync(settings, database);
        await using var b = await LimitedAppAsync(settings, database);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        await RegisterOn(clientA, "alice");

        Assert.That((await LoginOn(clientA, "alice")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await LoginOn(clientB, "alice")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertTooManyAsync(await LoginOn(clientA, "alice"), atMostSeconds: 3600);
        await AssertTooManyAsync(await LoginOn(clientB, "alice"), atMostSeconds: 3600);
    }

    [Test]
    public async Task With_Redis_unreachable_each_instance_still_enforces_the_limits_itself()
    {
        // Nothing listens on port 1: every Redis call fails at once.
        await using var app = await LimitedAppAsync(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:1", ["RateLimiting:Login:PermitLimit"] = "2" });
        using var client = app.CreateClient();
        await RegisterOn(client, "alice");

        Assert.That((await LoginOn(client, "alice")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "fails open: no 500 because Redis is away");
        Assert.That((await LoginOn(client, "alice")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertTooManyAsync(await LoginOn(client, "alice"), atMostSeconds: 3600);
    }

    [Test]
    public async Task With_limits_switched_off_nothing_is_throttled()
    {
        await using var app = await LimitedAppAsync(new()
        {
            ["RateLimiting:Enabled"] = "false",
            ["RateLimiting:Register:PermitLimit"] = "1",
            ["RateLimiting:Anonymous:TokenLimit"] = "1",
            ["RateLimiting:Anonymous:TokensPerSecond"] = "1",
        });
        using var client = app.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            Assert.That((await RegisterOn(client, $"user{i}")).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
    }

    [Test]
    public void Limits_that_make_no_sense_stop_the_start_up_with_the_setting_named()
    {
        var validator = new RateLimitOptionsValidator();
        var result = validator.Validate(null, new RateLimitOptions { Login = new WindowLimit { PermitLimit = 0, WindowSeconds = 60 } });
        Assert.That(result.FailureMessage, Does.Contain("RateLimiting:Login"));
    }

    private static async Task<string> SignUpOnAsync(HttpClient client, string name)
    {
        Assert.That((await RegisterOn(client, name)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var login = await LoginOn(client, name);
        return (await ReadJsonAsync(login))["access_token"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> SendOnAsync(HttpClient client, string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new("Bearer", token);
        return await client.SendAsync(request);
    }
}
