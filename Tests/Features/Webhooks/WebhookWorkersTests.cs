using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>Several workers share the deliveries without sending one twice, and a worker killed mid-dispatch loses none:
/// the next one sends what was left, with the same webhook-id and body.</summary>
[Category(TestCategories.Slow)]
public sealed class WebhookWorkersTests : ApiTest
{
    private TaskManagerApp api = null!;
    private WebhookReceiver receiver = null!;
    private string admin = "";

    private Dictionary<string, string?> rabbit = [];

    [OneTimeSetUp]
    public async Task StartApiAsync()
    {
        // Roles api and worker need a broker: one virtual host for the fixture's processes.
        rabbit = await TestRabbitMq.SettingsAsync();
        api = new TaskManagerApp(await TestDatabase.CreateAsync("webhook_workers"), WebhookDeliveriesTests.Settings(new(rabbit) { ["Role"] = "api" }));
    }

    [OneTimeTearDown]
    public async Task StopApiAsync() => await api.DisposeAsync();

    protected override Task<TaskManagerApp> ApplicationAsync() => Task.FromResult(api);

    [SetUp]
    public async Task StartReceiverAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        (_, admin) = await SignUpAdminAsync();
    }

    [TearDown]
    public async Task StopReceiverAsync() => await receiver.DisposeAsync();

    [Test]
    public async Task Two_workers_dispatching_together_send_each_delivery_exactly_once()
    {
        var ids = await QueueAsync(300);
        await using var first = Worker();
        await using var second = Worker();
        _ = first.Server;
        _ = second.Server;

        var received = await receiver.WaitForAsync(r => r.Select(x => x.Headers["webhook-id"]).Distinct().Count() >= ids.Count, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));
        received = receiver.Requests;

        Assert.Multiple(() =>
        {
            Assert.That(received.Select(r => r.Headers["webhook-id"]).Order(), Is.EqualTo(ids.Order()), "each once, none twice");
            Assert.That(received.Select(r => r.Headers["user-agent"]).Distinct(), Has.Exactly(1).StartsWith("TaskManager-Webhooks"));
        });
    }

    [Test]
    public async Task A_worker_killed_mid_dispatch_loses_no_delivery_and_repeats_share_their_webhook_id()
    {
        var ids = await QueueAsync(1_000);
        receiver.Delay = TimeSpan.FromMilliseconds(20);
        var environment = new Dictionary<string, string>
        {
            ["Role"] = "worker",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["ConnectionStrings__Redis"] = "",
            ["TaskLog__SchedulerEnabled"] = "false",
        };
        foreach (var (key, value) in WebhookDeliveriesTests.Settings(new(rabbit)))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        using (var doomed = ServiceProcess.Start(api.ConnectionString, environment, [], out var doomedOutput))
        {
            await receiver.WaitForAsync(r => r.Count >= 200, TimeSpan.FromSeconds(60));
            doomed.Kill(entireProcessTree: true); // SIGKILL: no drain, no clean-up
            await doomed.WaitForExitAsync();
            Assert.That(receiver.Requests, Has.Count.LessThan(ids.Count), "killed mid-dispatch: " + Text(doomedOutput));
        }
        var atKill = receiver.Requests.Count;
        using var next = ServiceProcess.Start(api.ConnectionString, environment, [], out var nextOutput);
        try
        {
            var received = await receiver.WaitForAsync(r => r.Select(x => x.Headers["webhook-id"]).Distinct().Count() >= ids.Count, TimeSpan.FromSeconds(90));
            // The ones in flight at the kill stay leased to the dead worker until the lease runs out (timeout x waves
            // + margin, 22 s here), then the next worker sends them again and records them.
            var succeeded = await Eventually.ReadAsync(
                () => Sql.ScalarAsync<long>(api.ConnectionString, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"), n => n == ids.Count,
                TimeSpan.FromSeconds(60));

            Assert.Multiple(() =>
            {
                Assert.That(received.Select(r => r.Headers["webhook-id"]).Distinct().Order(), Is.EqualTo(ids.Order()), "every one at least once: " + Text(nextOutput));
                Assert.That(received.GroupBy(r => r.Headers["webhook-id"]).Where(g => g.Select(r => r.Body).Distinct().Count() > 1), Is.Empty,
                    "a repeat carries the same id and body");
                Assert.That(received.Count - ids.Count, Is.LessThanOrEqualTo(atKill), "only deliveries in flight at the kill are repeated");
                Assert.That(succeeded, Is.EqualTo(ids.Count));
            });
        }
        finally
        {
            next.Kill(entireProcessTree: true);
        }
    }

    /// <summary>A subscription to the receiver and that many deliveries due now, as the fan-out would have queued them.</summary>
    private async Task<List<string>> QueueAsync(int count)
    {
        var body = new JsonObject { ["url"] = receiver.BaseUrl + "/bulk", ["events"] = new JsonArray("task.created") };
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", admin, Json(body.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var id = (await ReadJsonAsync(response))["id"]!.GetValue<long>();
        await Sql.ExecuteAsync(api.ConnectionString, """
            INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, next_attempt_at)
            SELECT @id, gen_random_uuid(), 'webhook.test', json_build_object('type', 'webhook.test', 'timestamp', now(), 'data', json_build_object('n', g))::text, now()
            FROM generate_series(1, @count) g
            """, ("id", id), ("count", count));
        var ids = new List<string>();
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT id::text FROM webhook_deliveries", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private TaskManagerApp Worker() => new(api.ConnectionString, WebhookDeliveriesTests.Settings(new(rabbit) { ["Role"] = "worker" }));

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
