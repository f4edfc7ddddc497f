using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>What bounds the cost of webhooks: one deadline per attempt, body included; a number of subscriptions per
/// user; a number of attempts at once per worker. Small limits here, so that each is met.</summary>
public sealed class WebhookLimitsTests : ApiTest
{
    private TaskManagerApp app = null!;
    private WebhookReceiver receiver = null!;
    private string admin = "";

    [OneTimeSetUp]
    public async Task StartApplicationAsync() =>
        app = new TaskManagerApp(await TestDatabase.CreateAsync("webhook_limits"), WebhookDeliveriesTests.Settings(new()
        {
            ["Webhooks:TimeoutSeconds"] = "1",
            ["Webhooks:RetryScheduleSeconds"] = "1",
            ["Webhooks:MaxSubscriptionsPerUser"] = "3",
            ["Webhooks:MaxConcurrentAttempts"] = "2",
        }));

    [OneTimeTearDown]
    public async Task StopApplicationAsync() => await app.DisposeAsync();

    protected override Task<TaskManagerApp> ApplicationAsync() => Task.FromResult(app);

    [SetUp]
    public async Task StartReceiverAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        (_, admin) = await SignUpAdminAsync();
    }

    [TearDown]
    public async Task StopReceiverAsync() => await receiver.DisposeAsync();

    [Test]
    public async Task A_receiver_that_stalls_its_body_fails_each_attempt_at_the_deadline_with_the_reason_recorded()
    {
        receiver.StallBody = true;
        var id = await SubscribeAsync(admin, "/stall");

        await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", admin);
        var delivery = await Eventually.ReadAsync(async () => (await DeliveriesAsync(id)).SingleOrDefault(),
            d => d?["status"]!.GetValue<string>() == "failed", TimeSpan.FromSeconds(10));
        var durations = await AttemptDurationsAsync();

        Assert.That(delivery, Is.Not.Null, "a delivery was queued");
        Assert.Multiple(() =>
        {
            Assert.That(delivery!["status"]!.GetValue<string>(), Is.EqualTo("failed"), "a one-step schedule: the second timeout is final");
            Assert.That(delivery["attempts"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(delivery["last_error"]?.GetValue<string>(), Is.EqualTo("timed out after 1 s waiting for the body"));
            Assert.That(delivery["last_status_code"], Is.Null, "an answer never finished is no answer");
            Assert.That(durations, Has.Length.EqualTo(2).And.All.InRange(900, 3_000), "each attempt ends at the deadline");
            Assert.That(receiver.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task A_user_at_the_subscription_limit_gets_409_naming_it_and_deleting_one_makes_room()
    {
        var (_, other) = await SignUpAdminAsync("other");
        var first = await SubscribeAsync(admin, "/1");
        await SubscribeAsync(admin, "/2");
        await SubscribeAsync(admin, "/3");

        var refused = await CreateAsync(admin, "/4");
        var problem = await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        var othersOwn = await CreateAsync(other, "/other");
        Assert.That((await SendAsync(HttpMethod.Delete, $"/api/v2/webhooks/{first}", admin)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var afterDelete = await CreateAsync(admin, "/4");

        Assert.Multiple(() =>
        {
            Assert.That(problem["message"]!.GetValue<string>(), Does.Contain("3 webhooks").And.Contain("Webhooks:MaxSubscriptionsPerUser"));
            Assert.That(othersOwn.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the limit is each user's");
            Assert.That(afterDelete.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        });
    }

    [Test]
    public async Task A_worker_makes_no_more_attempts_at_once_than_its_limit_across_subscriptions()
    {
        receiver.Delay = TimeSpan.FromMilliseconds(200);
        var subscriptions = new[] { await SubscribeAsync(admin, "/a"), await SubscribeAsync(admin, "/b"), await SubscribeAsync(admin, "/c") };

        await Sql.ExecuteAsync(app.ConnectionString, """
            INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, next_attempt_at)
            SELECT s, gen_random_uuid(), 'webhook.test', '{"type":"webhook.test"}', now()
            FROM unnest(@subscriptions) s, generate_series(1, 8)
            """, ("subscriptions", subscriptions));
        var received = await receiver.WaitForAsync(r => r.Count >= 24, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(received, Has.Count.EqualTo(24));
            Assert.That(receiver.MostAtOnce, Is.EqualTo(2), "two at a time, though each subscription alone may have 16");
        });
    }

    private Task<HttpResponseMessage> CreateAsync(string token, string path) => SendAsync(HttpMethod.Post, "/api/v2/webhooks", token,
        Json(new JsonObject { ["url"] = receiver.BaseUrl + path, ["events"] = new JsonArray("task.created") }.ToJsonString()));

    private async Task<long> SubscribeAsync(string token, string path)
    {
        var response = await CreateAsync(token, path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<JsonArray> DeliveriesAsync(long id) =>
        (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}/deliveries", admin)))["deliveries"]!.AsArray();

    private Task<int[]> AttemptDurationsAsync() =>
        Sql.ScalarAsync<int[]>(app.ConnectionString, "SELECT coalesce(array_agg(duration_ms ORDER BY id), '{}') FROM webhook_attempts");
}
