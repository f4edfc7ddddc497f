using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Reliability;

/// <summary>Redis really stopped and started again (scripts/services.sh): reads and writes go on from
/// PostgreSQL, and once Redis is back the cache works again without serving anything stale.</summary>
[NonParallelizable]
public sealed class RedisOutageTests
{
    [Test]
    public async Task With_Redis_stopped_the_service_answers_and_after_it_returns_nothing_stale_is_served()
    {
        var redis = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");
        Assert.That(redis, Is.Not.Null.And.Not.Empty, "needs ConnectionStrings__Redis (scripts/test starts Redis)");
        var database = await TestDatabase.CreateAsync("redis");
        await using var app = new TaskManagerApp(database, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Caching:LocalExpirationSeconds"] = "1",
        });
        var api = await SignedInClient.SignUpAsync(app);
        var id = await api.CreateTaskAsync("v1");
        Assert.That(await api.ListNamesAsync(), Is.EqualTo(new[] { "v1" }));

        var statuses = new List<HttpStatusCode>();
        string[] duringOutage;
        await TestRabbitMq.ServicesAsync("down", "redis");
        try
        {
            statuses.Add((await api.SendAsync(HttpMethod.Put, $"/api/task/{id}", """{"task_name":"v2"}""")).StatusCode);
            statuses.Add((await api.SendAsync(HttpMethod.Post, "/api/task", """{"task_name":"during","priority":"HIGH"}""")).StatusCode);
            duringOutage = await api.ListNamesAsync();
        }
        finally
        {
            await TestRabbitMq.ServicesAsync("up", "redis");
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the local expiry: the next read asks Redis again
        var afterReturn = await api.ListNamesAsync();
        // Caching works again: a change made behind the service's back is not seen until the service changes something.
        await Sql.ExecuteAsync(database, "UPDATE tasks SET task_name = 'edited in SQL' WHERE id = @id", ("id", id));
        var cached = await api.ListNamesAsync();

        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.Created }), "writes answer 2xx without Redis");
            Assert.That(duringOutage, Is.EquivalentTo(new[] { "v2", "during" }), "reads answer from PostgreSQL without Redis");
            Assert.That(afterReturn, Is.EquivalentTo(new[] { "v2", "during" }), "no stale page once Redis is back");
            Assert.That(cached, Is.EquivalentTo(new[] { "v2", "during" }), "the cache is in use again");
        });
    }
}
