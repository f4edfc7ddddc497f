using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>Deliveries to a real HTTP receiver on 127.0.0.1: signed, retried, resumed, stopped. The application allows
/// http and private networks (the receiver is local) and retries after seconds instead of minutes.</summary>
public sealed class WebhookDeliveriesTests : ApiTest
{
    private TaskManagerApp app = null!;
    private WebhookReceiver receiver = null!;
    private string admin = "";

    [OneTimeSetUp]
    public async Task StartApplicationAsync() =>
        app = new TaskManagerApp(await TestDatabase.CreateAsync("webhooks"), Settings(new()
        {
            ["Webhooks:RetryScheduleSeconds"] = "1,1,2,2,3,3,5,5,10,10",
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

    public static Dictionary<string, string?> Settings(Dictionary<string, string?> extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:TimeoutSeconds"] = "3",
            ["Webhooks:PollIntervalMilliseconds"] = "50",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Test]
    public async Task Each_event_type_arrives_signed_so_that_an_independent_hmac_verifies_it_and_a_tampered_body_does_not()
    {
        var (id, secret) = await SubscribeAsync("/all", "task.created", "task.updated", "task.deleted", "task.restored", "import.completed", "task_log.snapshot_taken");
        var task = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"Ship it","priority":"LOW"}""")));
        var taskId = task["id"]!.GetValue<long>();
        await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{taskId}", admin, Json("""{"priority":"HIGH"}"""));
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{taskId}", admin);
        await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{taskId}/restore", admin);
        var import = await ReadJsonAsync(await CsvUploads.UploadAsync(Client, admin, CsvUploads.Form("task_name,priority\nA,LOW\nB,HIGH\n"), path: "/api/v2/imports"));
        await CsvUploads.FinishedAsync(Client, admin, import["import_id"]!.GetValue<string>());
        await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", admin);
        await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", admin);

        var types = new[] { "task.created", "task.updated", "task.deleted", "task.restored", "import.completed", "task_log.snapshot_taken", "webhook.test" };
        var received = await receiver.WaitForAsync(r => types.All(t => r.Any(x => Type(x) == t)), TimeSpan.FromSeconds(30));

        Assert.That(received.Select(Type).Distinct(), Is.EquivalentTo(types));
        foreach (var request in received)
        {
            Assert.Multiple(() =>
            {
                Assert.That(request.Headers["content-type"], Does.StartWith("application/json"));
                Assert.That(Verifies(secret, request.Headers, request.Body), Is.True, $"{Type(request)} verifies");
                Assert.That(Verifies(secret, request.Headers, request.Body.Replace("\"data\"", "\"data\" ", StringComparison.Ordinal)), Is.False,
                    $"{Type(request)} tampered");
                Assert.That(DateTime.Parse(JsonNode.Parse(request.Body)!["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal), Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(1)));
            });
        }
        var taskEvents = received.Where(r => Type(r)!.StartsWith("task.", StringComparison.Ordinal)).Select(r => JsonNode.Parse(r.Body)!["data"]!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(taskEvents.Select(d => d["id"]!.GetValue<long>()), Is.All.EqualTo(taskId));
            Assert.That(taskEvents.Select(d => d["version"]!.GetValue<int>()).Order(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(taskEvents.Single(d => d["version"]!.GetValue<int>() == 2)["changes"]!["priority"]!["new"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(taskEvents.Single(d => d["version"]!.GetValue<int>() == 3)["deleted_at"], Is.Not.Null);
            var importData = JsonNode.Parse(received.Single(r => Type(r) == "import.completed").Body)!["data"]!;
            Assert.That(importData["import_id"]!.GetValue<string>(), Is.EqualTo(import["import_id"]!.GetValue<string>()));
            Assert.That(importData["tasks_created"]!.GetValue<long>(), Is.EqualTo(2));
            var snapshot = JsonNode.Parse(received.Single(r => Type(r) == "task_log.snapshot_taken").Body)!["data"]!;
            Assert.That(snapshot["log_date"]!.GetValue<string>(), Is.EqualTo(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(snapshot["rows"], Is.Not.Null);
        });
    }

    [Test]
    public async Task A_receiver_that_fails_twice_gets_three_attempts_with_one_webhook_id_and_the_delivery_succeeds()
    {
        var (id, _) = await SubscribeAsync("/flaky", "task.created");
        var answers = new Queue<int>([500, 500, 200]);
        receiver.Answer = _ => answers.TryDequeue(out var status) ? status : 200;

        await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"Retry me","priority":"LOW"}"""));
        var received = await receiver.WaitForAsync(r => r.Count >= 3, TimeSpan.FromSeconds(20));
        var delivery = await Eventually.ReadAsync(async () => (await DeliveriesAsync(id)).Single()!,
            d => d["status"]!.GetValue<string>() == "succeeded");

        Assert.Multiple(() =>
        {
            Assert.That(received, Has.Count.EqualTo(3));
            Assert.That(received.Select(r => r.Headers["webhook-id"]).Distinct(), Is.EqualTo(new[] { delivery["id"]!.GetValue<string>() }));
            Assert.That(received[1].At - received[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900)), "waits between attempts");
            Assert.That(delivery["attempts"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(delivery["last_status_code"]!.GetValue<int>(), Is.EqualTo(200));
            Assert.That(delivery["event_type"]!.GetValue<string>(), Is.EqualTo("task.created"));
        });
    }

    [Test]
    public async Task A_receiver_that_is_down_while_200_tasks_change_gets_every_delivery_once_it_is_back()
    {
        await SubscribeAsync("/down", "task.created");
        var port = receiver.Port;
        await receiver.DisposeAsync();

        for (var i = 0; i < 200; i++)
        {
            await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json($$"""{"task_name":"While down {{i}}","priority":"LOW"}"""));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var failed = await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM webhook_attempts WHERE status_code IS NULL");
        receiver = await WebhookReceiver.StartAsync(port);
        var received = await receiver.WaitForAsync(r => r.Select(x => x.Headers["webhook-id"]).Distinct().Count() >= 200, TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.GreaterThanOrEqualTo(200), "attempts were made while it was down");
            Assert.That(received.Select(r => JsonNode.Parse(r.Body)!["data"]!["task_name"]!.GetValue<string>()).Distinct().Order(),
                Is.EqualTo(Enumerable.Range(0, 200).Select(i => $"While down {i}").Order()));
        });
    }

    [Test]
    public async Task After_a_rotation_deliveries_carry_two_signatures_each_verifying_with_its_secret()
    {
        var (id, oldSecret) = await SubscribeAsync("/rotated", "task.created");
        var rotated = await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/rotate-secret", admin);
        Assert.That(rotated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var newSecret = (await ReadJsonAsync(rotated))["secret"]!.GetValue<string>();

        await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", admin);
        var request = (await receiver.WaitForAsync(r => r.Count >= 1)).Single();
        var signatures = request.Headers["webhook-signature"].Split(' ');

        Assert.Multiple(() =>
        {
            Assert.That(newSecret, Is.Not.EqualTo(oldSecret));
            Assert.That(signatures, Has.Length.EqualTo(2));
            Assert.That(signatures[0], Is.EqualTo(Signature(newSecret, request.Headers, request.Body)));
            Assert.That(signatures[1], Is.EqualTo(Signature(oldSecret, request.Headers, request.Body)));
        });
    }

    [Test]
    public async Task A_deleted_subscription_gets_nothing_more()
    {
        var (deleted, _) = await SubscribeAsync("/deleted", "task.created");
        await SubscribeAsync("/kept", "task.created");
        Assert.That((await SendAsync(HttpMethod.Delete, $"/api/v2/webhooks/{deleted}", admin)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"After delete","priority":"LOW"}"""));
        await receiver.WaitForAsync(r => r.Any(x => x.Path == "/kept"));
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.That(receiver.Requests.Select(r => r.Path), Is.EqualTo(new[] { "/kept" }));
    }

    [Test]
    public async Task A_redelivered_event_makes_no_second_delivery()
    {
        var (id, _) = await SubscribeAsync("/once", "task.created");
        var message = new TaskManager.Features.Tasks.TaskChanged
        {
            TaskId = 1,
            Action = "created",
            Changes = System.Text.Json.JsonDocument.Parse("{}").RootElement,
            ChangedAt = DateTime.UtcNow,
        };
        var messageId = Guid.NewGuid();
        var bus = app.Services.GetRequiredService<IBus>();

        for (var i = 0; i < 3; i++)
        {
            await bus.Publish(message, context => context.MessageId = messageId);
        }
        await receiver.WaitForAsync(r => r.Count >= 1);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.That(await DeliveriesAsync(id), Has.Count.EqualTo(1));
        Assert.That(receiver.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_failed_delivery_can_be_retried_by_hand_with_the_same_webhook_id()
    {
        var (id, _) = await SubscribeAsync("/manual", "task.created");
        receiver.Answer = _ => 410;
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"Gone","priority":"LOW"}"""));
        var first = (await receiver.WaitForAsync(r => r.Count >= 1)).First();
        var deliveryId = first.Headers["webhook-id"];
        await Sql.ExecuteAsync(app.ConnectionString, "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL");
        receiver.Answer = _ => 204;

        var retried = await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/deliveries/{deliveryId}/retry", admin);
        var delivery = await Eventually.ReadAsync(async () => (await DeliveriesAsync(id)).Single()!, d => d["status"]!.GetValue<string>() == "succeeded");

        Assert.Multiple(() =>
        {
            Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(receiver.Requests.Last().Headers["webhook-id"], Is.EqualTo(deliveryId));
            Assert.That(delivery["last_status_code"]!.GetValue<int>(), Is.EqualTo(204));
        });
    }

    private async Task<(long Id, string Secret)> SubscribeAsync(string path, params string[] events)
    {
        var body = new JsonObject { ["url"] = receiver.BaseUrl + path, ["events"] = new JsonArray(events.Select(e => (JsonNode)e!).ToArray()) };
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", admin, Json(body.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var hook = await ReadJsonAsync(response);
        return (hook["id"]!.GetValue<long>(), hook["secret"]!.GetValue<string>());
    }

    private async Task<JsonArray> DeliveriesAsync(long id) =>
        (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}/deliveries", admin)))["deliveries"]!.AsArray();

    private static string? Type(WebhookReceiver.Received request) => JsonNode.Parse(request.Body)!["type"]!.GetValue<string>();

    /// <summary>Standard Webhooks by hand: base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).</summary>
    public static string Signature(string secret, IReadOnlyDictionary<string, string> headers, string body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]),
            Encoding.UTF8.GetBytes($"{headers["webhook-id"]}.{headers["webhook-timestamp"]}.{body}")));

    public static bool Verifies(string secret, IReadOnlyDictionary<string, string> headers, string body) =>
        headers["webhook-signature"].Split(' ').Contains(Signature(secret, headers, body));
}
