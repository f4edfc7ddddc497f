using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>What protects the service and the receiver: a subscription that keeps failing is switched off (and resumes
/// when switched on), and an address refused by the SSRF guard is never contacted, even if its name changed after
/// registration.</summary>
public sealed class WebhookSafetyTests : ApiTest
{
    private TaskManagerApp switching = null!;
    private TaskManagerApp guarded = null!;
    private TaskManagerApp current = null!;
    private WebhookReceiver receiver = null!;
    private string admin = "";

    [OneTimeSetUp]
    public async Task StartApplicationsAsync()
    {
        // Inactive after about 2 s of failures; retried every second meanwhile.
        switching = new TaskManagerApp(await TestDatabase.CreateAsync("webhooks_off"), WebhookDeliveriesTests.Settings(new()
        {
            ["Webhooks:RetryScheduleSeconds"] = "1,1,1,1,1,1,1,1,1,1,1,1",
            ["Webhooks:DisableAfterHours"] = "0.0005",
        }));
        // Production's address rules, with plain http so that only the address decides.
        guarded = new TaskManagerApp(await TestDatabase.CreateAsync("webhooks_ssrf"), WebhookDeliveriesTests.Settings(new()
        {
            ["Webhooks:AllowPrivateNetworks"] = "false",
            ["Webhooks:RetryScheduleSeconds"] = "1",
        }));
    }

    [OneTimeTearDown]
    public async Task StopApplicationsAsync()
    {
        await switching.DisposeAsync();
        await guarded.DisposeAsync();
    }

    protected override Task<TaskManagerApp> ApplicationAsync() =>
        Task.FromResult(current = TestContext.CurrentContext.Test.Name.Contains("inactive", StringComparison.Ordinal) ? switching : guarded);

    [SetUp]
    public async Task StartReceiverAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        (_, admin) = await SignUpAdminAsync();
    }

    [TearDown]
    public async Task StopReceiverAsync() => await receiver.DisposeAsync();

    [Test]
    public async Task A_subscription_failing_long_enough_turns_inactive_and_setting_it_active_delivers_what_waited()
    {
        receiver.Answer = _ => 503;
        var id = await SubscribeAsync(receiver.BaseUrl + "/hook");
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"First","priority":"LOW"}"""));

        var hook = await Eventually.ReadAsync(async () => await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}", admin)),
            h => !h["active"]!.GetValue<bool>(), TimeSpan.FromSeconds(20));
        Assert.That(hook["active"]!.GetValue<bool>(), Is.False);
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", admin, Json("""{"task_name":"While inactive","priority":"LOW"}"""));
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", admin), HttpStatusCode.Conflict);
        var attemptsWhileInactive = receiver.Requests.Count;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(receiver.Requests, Has.Count.EqualTo(attemptsWhileInactive), "nothing is sent to an inactive subscription");

        receiver.Answer = _ => 200;
        var resumedAt = DateTime.UtcNow;
        var resumed = await SendAsync(HttpMethod.Patch, $"/api/v2/webhooks/{id}", admin, Json("""{"active":true}"""));
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var received = await receiver.WaitForAsync(r => r.Any(x => x.At >= resumedAt && x.Body.Contains("\"First\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15));
        var delivered = await Eventually.ReadAsync(async () => (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}/deliveries?status=succeeded", admin)))["deliveries"]!.AsArray(),
            d => d.Count >= 1, TimeSpan.FromSeconds(15));

        Assert.Multiple(() =>
        {
            Assert.That(received.Where(r => r.At >= resumedAt).Select(r => r.Headers["webhook-id"]),
                Does.Contain(delivered.Single()!["id"]!.GetValue<string>()));
            Assert.That(delivered.Single()!["attempts"]!.GetValue<int>(), Is.GreaterThan(1));
        });
    }

    [TestCase("127.0.0.1")]
    [TestCase("localhost")]
    public async Task A_url_that_now_resolves_to_an_internal_address_is_not_contacted(string host)
    {
        var id = await SubscribeAsync("http://hooks.example.com/hook");
        // The name was public when it was registered; it points inward now (DNS rebinding, or a changed record).
        await Sql.ExecuteAsync(current.ConnectionString, "UPDATE webhook_subscriptions SET url = @url", ("url", $"http://{host}:{receiver.Port}/hook"));

        await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", admin);
        var delivery = await Eventually.ReadAsync(
            async () => (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}/deliveries", admin)))["deliveries"]!.AsArray().Single()!,
            d => d["attempts"]!.GetValue<int>() >= 2, TimeSpan.FromSeconds(15));

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Requests, Is.Empty);
            Assert.That(delivery["last_error"]!.GetValue<string>(), Does.StartWith("refused"));
            Assert.That(delivery["last_status_code"], Is.Null);
            Assert.That(delivery["status"]!.GetValue<string>(), Is.EqualTo("failed"), "a one-step schedule: the second failure is final");
        });
    }

    private async Task<long> SubscribeAsync(string url)
    {
        var body = new JsonObject { ["url"] = url, ["events"] = new JsonArray("task.created") };
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", admin, Json(body.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
