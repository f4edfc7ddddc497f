using System.Net;
using System.Text;
using RabbitMQ.Client;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Messaging;

/// <summary>Delivery over a real RabbitMQ: the outbox keeps every event while the broker or the worker is away,
/// and each arrives once.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public sealed class AuditDeliveryTests
{
    private const string AuditCount = "SELECT count(*) FROM task_audit";
    private const string DistinctAudited = "SELECT count(DISTINCT task_id) FROM task_audit WHERE action = 'created'";

    [Test]
    public async Task Events_travel_over_RabbitMQ_into_the_audit_trail()
    {
        var database = await TestDatabase.CreateAsync("rabbit");
        await using var app = await new TaskManagerApp(database, await TestRabbitMq.SettingsAsync()).ReadyAsync();
        var api = await SignedInClient.SignUpAsync(app, "writer");

        var id = await api.CreateTaskAsync("over the wire");
        await api.SendAsync(HttpMethod.Put, $"/api/task/{id}", """{"priority":"HIGH"}""");

        var entries = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n == 2);
        Assert.That(entries, Is.EqualTo(2));
        // The relay marks a batch sent after the broker confirms it, which may be after the consumer ran.
        Assert.That(await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL"), n => n == 0),
            Is.Zero);
    }

    [Test]
    public async Task With_RabbitMQ_stopped_for_30_seconds_500_writes_succeed_and_every_audit_entry_arrives_once_it_returns()
    {
        const int Writes = 500;
        var database = await TestDatabase.CreateAsync("rabbit");
        await using var app = await new TaskManagerApp(database, await TestRabbitMq.SettingsAsync()).ReadyAsync();
        var api = await SignedInClient.SignUpAsync(app, "writer");
        await api.CreateTaskAsync("before the outage");
        Assert.That(await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n == 1), Is.EqualTo(1));

        var statuses = new HttpStatusCode[Writes];
        await TestRabbitMq.StopAsync();
        var down = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < statuses.Length; i++)
            {
                statuses[i] = (await api.SendAsync(HttpMethod.Post, "/api/task", $$"""{"task_name":"during outage {{i}}","priority":"LOW"}""")).StatusCode;
            }
            Assert.That(await Sql.ScalarAsync<long>(database, AuditCount), Is.EqualTo(1), "nothing could be delivered while the broker was down");
            if (down.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromSeconds(30) - down.Elapsed);
            }
        }
        finally
        {
            await TestRabbitMq.StartAsync();
        }

        var delivered = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n >= Writes + 1, TimeSpan.FromSeconds(90));
        await Task.Delay(1_000); // a duplicate would arrive now
        Assert.Multiple(async () =>
        {
            Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.Created), "every write answered 2xx");
            Assert.That(delivered, Is.EqualTo(Writes + 1));
            Assert.That(await Sql.ScalarAsync<long>(database, AuditCount), Is.EqualTo(Writes + 1), "none twice");
            Assert.That(await Sql.ScalarAsync<long>(database, DistinctAudited), Is.EqualTo(Writes + 1), "every task has its entry");
        });
    }

    [Test]
    public async Task With_the_worker_stopped_events_wait_and_drain_when_it_starts()
    {
        var database = await TestDatabase.CreateAsync("rabbit");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var api = new TaskManagerApp(database, With(rabbit, "Role", "api"));
        var caller = await SignedInClient.SignUpAsync(api, "writer");
        // A worker runs once so its queue exists, then stops.
        await using (var worker = new TaskManagerApp(database, With(rabbit, "Role", "worker")))
        {
            _ = worker.Server;
            await caller.CreateTaskAsync("while the worker runs");
            Assert.That(await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n == 1), Is.EqualTo(1));
        }

        for (var i = 0; i < 50; i++)
        {
            await caller.CreateTaskAsync($"while the worker is away {i}");
        }
        await Task.Delay(1_000);
        var whileAway = await Sql.ScalarAsync<long>(database, AuditCount);

        await using var restarted = new TaskManagerApp(database, With(rabbit, "Role", "worker"));
        _ = restarted.Server;
        var drained = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n >= 51, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(whileAway, Is.EqualTo(1), "no worker, no audit entries");
            Assert.That(drained, Is.EqualTo(51));
        });
    }

    [Test]
    public async Task A_malformed_message_goes_to_the_error_queue_and_nothing_else_breaks()
    {
        var database = await TestDatabase.CreateAsync("rabbit");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var app = await new TaskManagerApp(database, rabbit).ReadyAsync();
        var api = await SignedInClient.SignUpAsync(app, "writer");
        await api.CreateTaskAsync("first");
        Assert.That(await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n == 1), Is.EqualTo(1));

        var factory = new ConnectionFactory
        {
            HostName = rabbit["RabbitMq:Host"]!,
            Port = int.Parse(rabbit["RabbitMq:Port"]!, System.Globalization.CultureInfo.InvariantCulture),
            VirtualHost = rabbit["RabbitMq:VirtualHost"]!,
            UserName = rabbit["RabbitMq:Username"]!,
            Password = rabbit["RabbitMq:Password"]!,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync("", "record-audit-entry", false, properties, Encoding.UTF8.GetBytes("{ this is not json"));

        var inError = await Eventually.ReadAsync(async () =>
        {
            // A passive declare of a missing queue closes its channel, so each look gets a channel of its own.
            await using var probe = await connection.CreateChannelAsync();
            try
            {
                return (await probe.QueueDeclarePassiveAsync("record-audit-entry_error")).MessageCount;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return 0u; // not declared yet: nothing has failed so far
            }
        }, n => n == 1, TimeSpan.FromSeconds(20));
        await api.CreateTaskAsync("second");

        Assert.Multiple(async () =>
        {
            Assert.That(inError, Is.EqualTo(1u), "the malformed message waits in the error queue");
            Assert.That(await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, AuditCount), n => n == 2), Is.EqualTo(2),
                "the next event is still recorded");
        });
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> settings, string key, string value) =>
        new(settings) { [key] = value };
}
