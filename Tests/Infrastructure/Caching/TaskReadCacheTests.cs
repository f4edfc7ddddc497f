using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Caching;

/// <summary>The daily-log reads are cached (HybridCache, Redis as the shared level when configured), and a
/// cached answer is never stale for a client's own writes, nor for longer than the local expiry elsewhere.</summary>
public sealed class TaskReadCacheTests
{
    private static readonly string? Redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");

    [Test]
    public async Task Reads_are_served_from_the_cache_until_a_change_through_the_service()
    {
        var database = await TestDatabase.CreateAsync("cache");
        await using var app = new TaskManagerApp(database);
        var api = await SignedInClient.SignUpAsync(app);
        var task = await api.CreateTaskAsync("original");

        var first = await api.ListNamesAsync();
        // Behind the service's back: a cached page does not see it.
        await Sql.ExecuteAsync(database, "UPDATE tasks SET task_name = 'edited in SQL' WHERE id = @id", ("id", task));
        var cached = await api.ListNamesAsync();
        // Through the service: the writer reads its own write at once.
        await api.RenameAsync(task, "renamed");
        var afterWrite = await api.ListNamesAsync();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new[] { "original" }));
            Assert.That(cached, Is.EqualTo(new[] { "original" }), "the second read came from the cache");
            Assert.That(afterWrite, Is.EqualTo(new[] { "renamed" }));
        });
    }

    [Test]
    public async Task An_instance_serves_another_instances_write_at_once()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("cache");
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis,
            ["Caching:InstanceName"] = "test-shared-" + Guid.NewGuid().ToString("N")[..8],
        };
        await using var a = new TaskManagerApp(database, shared);
        await using var b = new TaskManagerApp(database, shared);
        var writer = await SignedInClient.SignUpAsync(a);
        var reader = writer.On(b);
        var task = await writer.CreateTaskAsync("v1");
        Assert.That(await reader.ListNamesAsync(), Is.EqualTo(new[] { "v1" }));

        await writer.RenameAsync(task, "v2");
        var readerAtOnce = await reader.ListNamesAsync();
        var writerAtOnce = await writer.ListNamesAsync();

        Assert.Multiple(() =>
        {
            Assert.That(readerAtOnce, Is.EqualTo(new[] { "v2" }), "the other instance never serves the page from before the write");
            Assert.That(writerAtOnce, Is.EqualTo(new[] { "v2" }));
        });
    }

    [Test]
    public async Task An_instance_reads_a_page_another_instance_cached_in_Redis()
    {
        Assert.That(Redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("cache");
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis,
            ["Caching:InstanceName"] = "test-shared-" + Guid.NewGuid().ToString("N")[..8],
        };
        await using var a = new TaskManagerApp(database, shared);
        await using var b = new TaskManagerApp(database, shared);
        var api = await SignedInClient.SignUpAsync(a);
        var task = await api.CreateTaskAsync("cached by a");
        Assert.That(await api.ListNamesAsync(), Is.EqualTo(new[] { "cached by a" }));

        await Sql.ExecuteAsync(database, "UPDATE tasks SET task_name = 'edited in SQL' WHERE id = @id", ("id", task));

        Assert.That(await api.On(b).ListNamesAsync(), Is.EqualTo(new[] { "cached by a" }), "b's first read came from Redis");
    }

    [Category(TestCategories.Slow)]
    [Test]
    public async Task With_Redis_unreachable_reads_and_writes_are_served_from_PostgreSQL()
    {
        var database = await TestDatabase.CreateAsync("cache");
        // Nothing listens on port 1: every Redis call fails at once.
        await using var app = new TaskManagerApp(database, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1", ["Health:ShowDetails"] = "true" });
        var api = await SignedInClient.SignUpAsync(app);

        var task = await api.CreateTaskAsync("first");
        var firstRead = await api.ListNamesAsync();
        await api.RenameAsync(task, "second");
        var secondRead = await api.ListNamesAsync();
        var ready = await api.Client.GetAsync("/health/ready");

        Assert.Multiple(async () =>
        {
            Assert.That(firstRead, Is.EqualTo(new[] { "first" }));
            Assert.That(secondRead, Is.EqualTo(new[] { "second" }));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Redis is optional: degraded, still ready");
            Assert.That(JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!["redis"]!["status"]!.GetValue<string>(),
                Is.EqualTo("Degraded"));
        });
    }
}
