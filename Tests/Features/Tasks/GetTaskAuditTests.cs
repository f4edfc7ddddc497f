using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>Every change to a task leaves one audit entry with who, when, and each changed field's old and new
/// value. These tests run over a real RabbitMQ: the change, the outbox, the relay, the broker, the consumer.</summary>
public sealed class GetTaskAuditTests : ApiTest
{
    private TaskManagerApp overRabbitMq = null!;

    [OneTimeSetUp]
    public async Task StartApplicationAsync() =>
        overRabbitMq = await new TaskManagerApp(await TestDatabase.CreateAsync("audit"), await TestRabbitMq.SettingsAsync()).ReadyAsync();

    [OneTimeTearDown]
    public async Task StopApplicationAsync() => await overRabbitMq.DisposeAsync();

    protected override Task<TaskManagerApp> ApplicationAsync() => Task.FromResult(overRabbitMq);

    private string owner = "";
    private string manager = "";
    private long ownerId;

    [SetUp]
    public async Task SignInAsync()
    {
        (ownerId, owner) = await SignUpAsync("owner");
        var (managerId, _) = await SignUpAsync("boss");
        manager = TestTokens.For(managerId, "boss", ["user", "manager"]);
    }

    [Test]
    public async Task Each_kind_of_change_leaves_exactly_the_right_entry()
    {
        var id = await CreateAsync("""{"task_name":"Audit me","priority":"LOW"}""");
        await SendAsync(HttpMethod.Put, $"/api/task/{id}", owner, Json("""{"priority":"HIGH","description":"now with text"}"""));
        await SendAsync(HttpMethod.Delete, $"/api/task/{id}", owner);
        await SendAsync(HttpMethod.Put, $"/api/task/{id}", owner, Json("""{"status":true}"""));

        var entries = await EntriesAsync(id, 4);

        Assert.That(entries.Select(e => e["action"]!.GetValue<string>()), Is.EqualTo(new[] { "created", "updated", "deleted", "restored" }));
        Assert.Multiple(() =>
        {
            var created = entries[0];
            Assert.That(created["changes"]!["task_name"]!["new"]!.GetValue<string>(), Is.EqualTo("Audit me"));
            Assert.That(created["changes"]!["priority"]!["old"], Is.Null);
            Assert.That(created["previous_status"], Is.Null);
            Assert.That(created["new_status"]!.GetValue<bool>(), Is.True);
            Assert.That(created["modified_by"]!.GetValue<string>(), Is.EqualTo("owner"));
            Assert.That(created["modified_by_id"]!.GetValue<long>(), Is.EqualTo(ownerId));

            var updated = entries[1].AsObject();
            Assert.That(updated["changes"]!.AsObject().Select(c => c.Key), Is.EquivalentTo(new[] { "priority", "description" }));
            Assert.That(updated["changes"]!["priority"]!["old"]!.GetValue<string>(), Is.EqualTo("LOW"));
            Assert.That(updated["changes"]!["priority"]!["new"]!.GetValue<string>(), Is.EqualTo("HIGH"));

            var deleted = entries[2];
            Assert.That(deleted["previous_status"]!.GetValue<bool>(), Is.True);
            Assert.That(deleted["new_status"]!.GetValue<bool>(), Is.False);

            var restored = entries[3];
            Assert.That(restored["previous_status"]!.GetValue<bool>(), Is.False);
            Assert.That(restored["new_status"]!.GetValue<bool>(), Is.True);

            var times = entries.Select(e => e["changed_at"]!.GetValue<DateTime>()).ToList();
            Assert.That(times, Is.Ordered, "oldest first");
        });
    }

    [Test]
    public async Task An_update_that_changes_nothing_records_nothing()
    {
        var id = await CreateAsync("""{"task_name":"Same","priority":"LOW"}""");
        await SendAsync(HttpMethod.Put, $"/api/task/{id}", owner, Json("""{"priority":"low","task_name":"Same"}"""));
        await SendAsync(HttpMethod.Put, $"/api/task/{id}", owner, Json("""{"priority":"MEDIUM"}"""));

        var entries = await EntriesAsync(id, 2);

        Assert.That(entries.Select(e => e["action"]!.GetValue<string>()), Is.EqualTo(new[] { "created", "updated" }));
    }

    [Test]
    public async Task The_trail_outlives_a_permanent_delete_and_records_it()
    {
        var id = await CreateAsync("""{"task_name":"Short-lived","priority":"LOW"}""");
        var (adminId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        var purge = await SendAsync(HttpMethod.Delete, $"/api/task/{id}?permanent=true", admin);
        var entries = await EntriesAsync(id, 2);

        Assert.Multiple(() =>
        {
            Assert.That(purge.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(entries.Select(e => e["action"]!.GetValue<string>()), Is.EqualTo(new[] { "created", "purged" }));
            Assert.That(entries[1]["modified_by"]!.GetValue<string>(), Is.EqualTo("root"));
            Assert.That(entries[1]["changes"]!["task_name"]!["old"]!.GetValue<string>(), Is.EqualTo("Short-lived"));
        });
    }

    [Test]
    public async Task A_plain_user_may_not_read_the_trail()
    {
        var id = await CreateAsync("""{"task_name":"Private","priority":"LOW"}""");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/task/{id}/audit", owner), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task The_trail_of_a_task_that_never_existed_is_404()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/task/999999/audit", manager), HttpStatusCode.NotFound);
    }

    private async Task<long> CreateAsync(string body)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/task", owner, Json(body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    /// <summary>The trail, once the expected number of entries has arrived (the worker writes them asynchronously).</summary>
    private async Task<List<JsonNode>> EntriesAsync(long taskId, int expected)
    {
        var entries = await Eventually.ReadAsync(async () =>
        {
            var response = await SendAsync(HttpMethod.Get, $"/api/task/{taskId}/audit", manager);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return []; // a purged task whose entries the worker has not written yet: read again
            }
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var body = await ReadJsonAsync(response);
            Assert.That(body["task_id"]!.GetValue<long>(), Is.EqualTo(taskId));
            return body["entries"]!.AsArray().Select(e => e!).ToList();
        }, e => e.Count >= expected);
        // A little longer: a duplicate would show up now.
        await Task.Delay(200);
        var settled = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/task/{taskId}/audit", manager));
        Assert.That(settled["entries"]!.AsArray(), Has.Count.EqualTo(expected), "exactly one entry per change: " + settled.ToJsonString());
        return entries;
    }
}
