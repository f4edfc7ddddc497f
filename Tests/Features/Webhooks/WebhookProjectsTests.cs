using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>A subscription gets the events of the projects its creator can read when each delivery is made, and only its
/// project's when it names one. Deliveries go to a real HTTP receiver on 127.0.0.1.</summary>
public sealed class WebhookProjectsTests : ApiTest
{
    private TaskManagerApp app = null!;
    private WebhookReceiver receiver = null!;

    [OneTimeSetUp]
    public async Task StartApplicationAsync() =>
        app = new TaskManagerApp(await TestDatabase.CreateAsync("webhook_projects"), WebhookDeliveriesTests.Settings(new()
        {
            ["Webhooks:RetryScheduleSeconds"] = "1,1,1,1,1,1,1,1",
        }));

    [OneTimeTearDown]
    public async Task StopApplicationAsync() => await app.DisposeAsync();

    protected override Task<TaskManagerApp> ApplicationAsync() => Task.FromResult(app);

    [SetUp]
    public async Task StartReceiverAsync() => receiver = await WebhookReceiver.StartAsync();

    [TearDown]
    public async Task StopReceiverAsync() => await receiver.DisposeAsync();

    [Test]
    public async Task Each_subscription_hears_only_the_projects_its_creator_reads_and_the_one_it_names()
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var (malloryId, _) = await SignUpAsync("mallory");
        var alice = TestTokens.For(aliceId, "alice", ["user", "manager"]);
        var mallory = TestTokens.For(malloryId, "mallory", ["user", "manager"]);
        var project = await CreateProjectAsync(alice, "Private");
        await SubscribeAsync(alice, "/everything");
        await SubscribeAsync(alice, "/private-only", project);
        await SubscribeAsync(mallory, "/mallory");
        var namesHidden = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", mallory,
            Json($$"""{"url":"{{receiver.BaseUrl}}/sneaky","events":["task.created"],"project_id":{{project}}}"""));

        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json("""{"task_name":"Public news","priority":"LOW"}"""));
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"Private plans","priority":"LOW","project_id":{{project}}}"""));
        await receiver.WaitForAsync(r => r.Count >= 4, TimeSpan.FromSeconds(20));
        await Task.Delay(1_000); // room for a delivery that should not come

        var heard = receiver.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.Select(Name).Order().ToArray());
        var malloryLists = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/webhooks", mallory));
        Assert.Multiple(() =>
        {
            Assert.That(heard["/everything"], Is.EqualTo(new[] { "Private plans", "Public news" }));
            Assert.That(heard["/private-only"], Is.EqualTo(new[] { "Private plans" }));
            Assert.That(heard["/mallory"], Is.EqualTo(new[] { "Public news" }), "nothing of a project its creator may not read");
            Assert.That(namesHidden.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a project one may not read cannot be named");
            Assert.That(malloryLists["webhooks"]!.AsArray().Select(w => w!["url"]!.GetValue<string>()), Has.None.Contains("/private-only"),
                "a subscription scoped to a project one may not read does not exist for one");
        });
    }

    [Test]
    public async Task A_delivery_whose_creator_lost_the_project_before_it_was_sent_again_is_dropped()
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var alice = TestTokens.For(aliceId, "alice", ["user", "manager"]);
        var bob = TestTokens.For(bobId, "bob", ["user", "manager"]);
        var project = await CreateProjectAsync(alice, "Private");
        await AddMemberAsync(alice, project, bobId, "viewer");
        var hook = await SubscribeAsync(bob, "/bob");
        receiver.Answer = _ => 500; // the first attempt fails, so the delivery waits to be sent again

        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"Private plans","priority":"LOW","project_id":{{project}}}"""));
        await receiver.WaitForAsync(r => r.Count >= 1, TimeSpan.FromSeconds(20));
        var removed = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{project}/members/{bobId}", alice);
        var attemptsThen = receiver.Requests.Count;
        await Task.Delay(4_000); // several retry intervals
        var deliveries = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{hook}/deliveries", bob));
        var stored = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = @s", ("s", hook));

        Assert.Multiple(() =>
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(receiver.Requests.Count, Is.LessThanOrEqualTo(attemptsThen + 1), "at most an attempt already under way");
            Assert.That(stored, Is.Zero, "the delivery is gone once it came due again");
            Assert.That(deliveries["deliveries"]!.AsArray(), Is.Empty);
        });
    }

    [Test]
    public async Task Project_events_reach_those_who_read_the_project_and_a_deletion_those_who_could()
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var (malloryId, _) = await SignUpAsync("mallory");
        var (bobId, _) = await SignUpAsync("bob");
        var alice = TestTokens.For(aliceId, "alice", ["user", "manager"]);
        var mallory = TestTokens.For(malloryId, "mallory", ["user", "manager"]);
        string[] events = ["project.created", "project.updated", "project.deleted", "project.member_added", "project.member_changed", "project.member_removed"];
        await SubscribeAsync(alice, "/alice", events: events);
        await SubscribeAsync(mallory, "/mallory", events: events);

        var hidden = await CreateProjectAsync(alice, "Hidden");
        await AddMemberAsync(alice, hidden, bobId, "viewer");
        await AddMemberAsync(alice, hidden, bobId, "editor");
        await AddMemberAsync(alice, hidden, bobId, "editor"); // the same role again: nothing changes
        await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{hidden}", alice, Json("""{"name":"Renamed"}"""));
        await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{hidden}/members/{bobId}", alice);
        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{hidden}", alice);
        var open = await CreateProjectAsync(alice, "Open", ""","visibility":"public" """);
        await receiver.WaitForAsync(r => r.Count(x => x.Path == "/alice") >= 7 && r.Any(x => x.Path == "/mallory"), TimeSpan.FromSeconds(20));
        await Task.Delay(1_000); // room for a delivery that should not come

        var heard = receiver.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.Select(r => JsonNode.Parse(r.Body)!).ToList());
        Assert.Multiple(() =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(heard["/alice"].Select(b => b["type"]!.GetValue<string>()), Is.EquivalentTo(new[]
            {
                "project.created", "project.member_added", "project.member_changed", "project.updated", "project.member_removed", "project.deleted",
                "project.created",
            }));
            Assert.That(heard["/mallory"].Select(b => (b["type"]!.GetValue<string>(), b["data"]!["id"]!.GetValue<long>())),
                Is.EqualTo(new[] { ("project.created", open) }), "nothing of a private project the subscriber's creator cannot read");
            var changed = heard["/alice"].Single(b => b["type"]!.GetValue<string>() == "project.member_changed")["data"]!;
            Assert.That((changed["member"]!["user_id"]!.GetValue<long>(), changed["member"]!["role"]!.GetValue<string>()), Is.EqualTo((bobId, "editor")));
            Assert.That(heard["/alice"].Single(b => b["type"]!.GetValue<string>() == "project.updated")["data"]!["name"]!.GetValue<string>(),
                Is.EqualTo("Renamed"));
        });
    }

    private async Task<long> SubscribeAsync(string token, string path, long? project = null, string[]? events = null)
    {
        var body = new JsonObject
        {
            ["url"] = receiver.BaseUrl + path,
            ["events"] = new JsonArray((events ?? ["task.created"]).Select(e => (JsonNode)e!).ToArray()),
            ["project_id"] = project,
        };
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", token, Json(body.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var hook = await ReadJsonAsync(response);
        Assert.That(hook["project_id"]?.GetValue<long>(), Is.EqualTo(project));
        return hook["id"]!.GetValue<long>();
    }

    private static string Name(WebhookReceiver.Received request) =>
        JsonNode.Parse(request.Body)!["data"]!["task_name"]!.GetValue<string>();
}
