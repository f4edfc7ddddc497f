using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Features.Webhooks;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Comments;

/// <summary>comment.created, comment.updated and comment.deleted reach the subscriptions whose creators read the comment's
/// task's project, through the outbox and a worker, at a real HTTP receiver on 127.0.0.1.</summary>
public sealed class CommentEventsTests : ApiTest
{
    private static readonly string[] Events = ["comment.created", "comment.updated", "comment.deleted"];

    private TaskManagerApp app = null!;
    private WebhookReceiver receiver = null!;

    [OneTimeSetUp]
    public async Task StartApplicationAsync() =>
        app = new TaskManagerApp(await TestDatabase.CreateAsync("comment_events"), WebhookDeliveriesTests.Settings(new()));

    [OneTimeTearDown]
    public async Task StopApplicationAsync() => await app.DisposeAsync();

    protected override Task<TaskManagerApp> ApplicationAsync() => Task.FromResult(app);

    [SetUp]
    public async Task StartReceiverAsync() => receiver = await WebhookReceiver.StartAsync();

    [TearDown]
    public async Task StopReceiverAsync() => await receiver.DisposeAsync();

    [Test]
    public async Task Comment_events_carry_the_comment_to_those_who_read_its_project()
    {
        var (aliceId, _) = await SignUpAsync("alice");
        var (malloryId, _) = await SignUpAsync("mallory");
        var alice = TestTokens.For(aliceId, "alice", ["user", "manager"]);
        var mallory = TestTokens.For(malloryId, "mallory", ["user", "manager"]);
        await SubscribeAsync(alice, "/alice");
        await SubscribeAsync(mallory, "/mallory");
        var project = await CreateProjectAsync(alice, "Private");
        var hiddenTask = await TaskAsync(alice, project);
        var publicTask = await TaskAsync(alice, 1);

        var hidden = await ReadJsonAsync(await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{hiddenTask}/comments", alice, Json("""{"body":"Private word"}""")));
        var hiddenId = hidden["id"]!.GetValue<long>();
        await SendAsync(HttpMethod.Patch, $"/api/v2/comments/{hiddenId}", alice, Json("""{"body":"Private word, edited"}"""));
        await SendAsync(HttpMethod.Patch, $"/api/v2/comments/{hiddenId}", alice, Json("""{"body":"Private word, edited"}""")); // no change: no event
        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/comments/{hiddenId}", alice);
        var open = await ReadJsonAsync(await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{publicTask}/comments", alice, Json("""{"body":"Public word"}""")));
        await receiver.WaitForAsync(r => r.Count(x => x.Path == "/alice") >= 4 && r.Any(x => x.Path == "/mallory"), TimeSpan.FromSeconds(20));
        await Task.Delay(1_000); // room for a delivery that should not come

        var heard = receiver.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.Select(r => JsonNode.Parse(r.Body)!).ToList());
        var ofHidden = heard["/alice"].Where(b => b["data"]!["id"]!.GetValue<long>() == hiddenId).ToDictionary(b => b["type"]!.GetValue<string>(), b => b["data"]!);
        Assert.Multiple(() =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(heard["/alice"].Select(b => b["type"]!.GetValue<string>()),
                Is.EquivalentTo(new[] { "comment.created", "comment.updated", "comment.deleted", "comment.created" }));
            Assert.That(ofHidden["comment.created"]!.AsObject().Select(p => p.Key),
                Is.EquivalentTo(new[] { "id", "task_id", "author_id", "author", "body", "created_at", "updated_at", "version" }));
            Assert.That((ofHidden["comment.created"]!["task_id"]!.GetValue<long>(), ofHidden["comment.created"]!["author"]!.GetValue<string>()),
                Is.EqualTo((hiddenTask, "alice")));
            Assert.That((ofHidden["comment.updated"]!["body"]!.GetValue<string>(), ofHidden["comment.updated"]!["version"]!.GetValue<int>()),
                Is.EqualTo(("Private word, edited", 2)));
            Assert.That(ofHidden["comment.deleted"]!.ToJsonString(), Is.EqualTo($$"""{"id":{{hiddenId}},"task_id":{{hiddenTask}}}"""));
            Assert.That(heard["/mallory"].Select(b => (b["type"]!.GetValue<string>(), b["data"]!["id"]!.GetValue<long>())),
                Is.EqualTo(new[] { ("comment.created", open["id"]!.GetValue<long>()) }), "nothing of a project the subscriber's creator cannot read");
        });
    }

    private async Task SubscribeAsync(string token, string path)
    {
        var body = new JsonObject { ["url"] = receiver.BaseUrl + path, ["events"] = new JsonArray(Events.Select(e => (JsonNode)e!).ToArray()) };
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", token, Json(body.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private async Task<long> TaskAsync(string token, long project)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json($$"""{"task_name":"Discuss me","priority":"LOW","project_id":{{project}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
