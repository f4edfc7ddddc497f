using System.Globalization;
using System.Net;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Caching;

/// <summary>One user reading many distinct pages can fill neither the process's memory nor Redis with them, and cached
/// pages can never push out the rate-limit windows and generations: those live on a Redis server that does not evict.</summary>
public sealed class CacheBoundsTests
{
    private static readonly string? Redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");
    private static readonly string? RedisCache = Environment.GetEnvironmentVariable("ConnectionStrings__RedisCache");

    [Test]
    public async Task Polls_by_updated_since_leave_no_page_in_the_cache()
    {
        var (app, instance) = await StartAsync();
        await using var _ = app;
        var api = await SignedInClient.SignUpAsync(app);
        await api.CreateTaskAsync("one");

        for (var i = 0; i < 20; i++)
        {
            var since = DateTime.UtcNow.AddDays(-1).AddTicks(i).ToString("O", CultureInfo.InvariantCulture);
            var page = await api.SendAsync(HttpMethod.Get, $"/api/v2/tasks?updated_since={Uri.EscapeDataString(since)}&limit=100");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(await PageKeysAsync(Redis!, instance) + await PageKeysAsync(RedisCache!, instance), Is.Zero,
            "no poll was cached, on either server");
    }

    [Test]
    public async Task Pages_are_kept_on_the_page_server_and_generations_and_limits_on_the_state_server()
    {
        var (app, instance) = await StartAsync();
        await using var _ = app;
        var api = await SignedInClient.SignUpAsync(app);
        await api.CreateTaskAsync("one"); // a change: a generation; a signed-in call: the user's rate-limit bucket

        Assert.That((await api.SendAsync(HttpMethod.Get, "/api/v2/tasks?limit=5")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await api.SendAsync(HttpMethod.Get, "/api/tasks?per_page=5")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.Multiple(async () =>
        {
            Assert.That(await PageKeysAsync(RedisCache!, instance), Is.EqualTo(2), "both pages are on the page server");
            Assert.That(await PageKeysAsync(Redis!, instance), Is.Zero, "no page is on the state server");
            Assert.That(await KeysAsync(Redis!, $"{instance}:generation:*"), Is.Not.Zero, "the generation is on the state server");
            Assert.That(await KeysAsync(RedisCache!, $"{instance}:generation:*"), Is.Zero);
            Assert.That(await KeysAsync(Redis!, $"*{instance}:user:*"), Is.Not.Zero, "the user's rate-limit bucket is on the state server");
            Assert.That(await KeysAsync(RedisCache!, $"*{instance}:user:*"), Is.Zero);
        });
    }

    [Test]
    public async Task The_memory_level_keeps_no_more_pages_than_its_byte_limit()
    {
        const long Limit = 200_000;
        var database = await TestDatabase.CreateAsync("cache");
        await using var app = new TaskManagerApp(database, new Dictionary<string, string?> { ["Caching:LocalSizeLimitBytes"] = Limit.ToString(CultureInfo.InvariantCulture) });
        var api = await SignedInClient.SignUpAsync(app);
        await Sql.ExecuteAsync(database, """
            INSERT INTO tasks (task_name, description, priority, status, created_by, assigned_user_id)
            SELECT 'long ' || g, repeat('x', 9000), 'MEDIUM', true, u.id, u.id FROM generate_series(1, 60) g, users u
            """);

        // Twenty distinct first pages of about 9 KB a task: far more than the limit together.
        for (var limit = 1; limit <= 20; limit++)
        {
            Assert.That((await api.SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit={limit}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var memory = (MemoryCache)app.Services.GetRequiredService<IMemoryCache>();
        Assert.That(memory.GetCurrentStatistics()?.CurrentEstimatedSize, Is.Not.Null.And.LessThanOrEqualTo(Limit));
    }

    private static async Task<(TaskManagerApp App, string Instance)> StartAsync()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        Assert.That(RedisCache, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__RedisCache (scripts/test starts it)");
        var instance = "test-bounds-" + Guid.NewGuid().ToString("N")[..8];
        var app = new TaskManagerApp(await TestDatabase.CreateAsync("cache"), new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis,
            ["ConnectionStrings:RedisCache"] = RedisCache,
            ["Caching:InstanceName"] = instance,
        });
        return (app, instance);
    }

    /// <summary>Cached pages of the task log and the task list (their keys name the data set).</summary>
    private static Task<int> PageKeysAsync(string server, string instance) => KeysAsync(server, $"{instance}:task-log:*");

    private static async Task<int> KeysAsync(string server, string pattern)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server);
        var endpoint = redis.GetEndPoints().Single();
        var count = 0;
        await foreach (var _ in redis.GetServer(endpoint).KeysAsync(pattern: pattern))
        {
            count++;
        }
        return count;
    }
}
