using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Batch;

/// <summary>POST /api/v2/batch: each operation answers what its single call would, and an atomic batch is all or nothing.</summary>
public sealed class RunBatchTests : ApiTest
{
    [Test]
    public async Task A_mixed_batch_answers_each_operation_as_its_single_call_would()
    {
        var (_, token) = await SignUpAsync("alice");
        var single = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json("""{"task_name":"Single","priority":"LOW"}""")));
        var singleMissing = await SendAsync(HttpMethod.Patch, "/api/v2/tasks/999", token, Json("""{"done":true}"""));
        var singleInvalid = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json("""{"task_name":"No priority"}"""));

        var response = await BatchAsync(token, false,
            """{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"Batched","priority":"LOW"}}""",
            """{"method":"PATCH","path":"/api/v2/tasks/999","body":{"done":true}}""",
            """{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"No priority"}}""",
            """{"method":"DELETE","path":"/api/v2/tasks/1"}""");
        var results = (await ReadJsonAsync(response))["results"]!.AsArray();
        var created = results[0]!["body"]!.AsObject();

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(results.Select(r => r!["status"]!.GetValue<int>()), Is.EqualTo(new[] { 201, 404, 400, 204 }));
            Assert.That(created.Select(p => p.Key), Is.EqualTo(single.Select(p => p.Key)), "a create's body has the single call's shape");
            Assert.That(created["task_name"]!.GetValue<string>(), Is.EqualTo("Batched"));
            Assert.That(results[0]!["headers"]!["location"]!.GetValue<string>(), Is.EqualTo($"/api/v2/tasks/{created["id"]}"));
            Assert.That(results[0]!["headers"]!["etag"]!.GetValue<string>(), Is.EqualTo("\"1\""));
            Assert.That(Without(results[1]!["body"]!, "trace_id"), Is.EqualTo(Without(JsonNode.Parse(await singleMissing.Content.ReadAsStringAsync())!, "trace_id")));
            Assert.That(Without(results[2]!["body"]!, "trace_id"), Is.EqualTo(Without(JsonNode.Parse(await singleInvalid.Content.ReadAsStringAsync())!, "trace_id")));
            Assert.That(results[3]!["body"], Is.Null, "a 204 has no body");
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks WHERE status"), Is.EqualTo(1),
                "not atomic: the create stands and the delete of the single call's task too");
        });
    }

    [Test]
    public async Task An_atomic_batch_failing_at_its_last_operation_leaves_nothing_behind()
    {
        var (managerId, _) = await SignUpAsync("carol");
        var manager = TestTokens.For(managerId, "carol", ["user", "manager"]);
        var hook = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager,
            Json("""{"url":"https://hooks.example.com/batch","events":["task.created","task.updated","comment.created","label.created"]}"""));
        Assert.That(hook.StatusCode, Is.EqualTo(HttpStatusCode.Created), await hook.Content.ReadAsStringAsync());
        var (_, token) = await SignUpAsync("alice");
        var existing = (await CreateTaskAsync(token, """{"task_name":"Existing","priority":"LOW"}"""))["id"]!.GetValue<long>();
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        var before = await Eventually.ReadAsync(CountsAsync, c => c.Deliveries >= 1); // the existing task's task.created
        string[] operations =
        [
            """{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"First","priority":"LOW"}}""",
            """{"method":"POST","path":"/api/v2/projects/1/labels","body":{"name":"urgent"}}""",
            $$$"""{"method":"PATCH","path":"/api/v2/tasks/{{{existing}}}","body":{"done":true,"labels":["urgent"]}}""",
            $$$"""{"method":"POST","path":"/api/v2/tasks/{{{existing}}}/comments","body":{"body":"Done in a batch"}}""",
        ];

        var failed = await BatchAsync(token, true, [.. operations, $$$"""{"method":"PATCH","path":"/api/v2/tasks/{{{existing}}}","body":{"priority":"NOPE"}}"""]);
        var problem = await AssertProblemAsync(failed, HttpStatusCode.Conflict);
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        await Task.Delay(500); // room for a delivery that should not come
        var afterFailure = await CountsAsync();

        var control = await BatchAsync(token, true, operations);
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        var afterSuccess = await Eventually.ReadAsync(CountsAsync, c => c.Deliveries > before.Deliveries);

        Assert.Multiple(() =>
        {
            Assert.That(problem["results"]!.AsArray().Select(r => r!["status"]!.GetValue<int>()), Is.EqualTo(new[] { 424, 424, 424, 424, 400 }));
            Assert.That(problem["results"]![4]!["body"]!["errors"]!["priority"], Is.Not.Null, "the failed one carries its own problem");
            Assert.That(problem["results"]![0]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "status" }));
            Assert.That(afterFailure, Is.EqualTo(before), "no task, log row, label, comment, audit entry, outbox row or delivery");
            Assert.That(afterFailure.ExistingVersion, Is.EqualTo(1), "the patched task is as it was");
            Assert.That(control.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the same batch without the failure applies");
            Assert.That(afterSuccess.Tasks, Is.EqualTo(before.Tasks + 1));
            Assert.That(afterSuccess.LogRows, Is.GreaterThan(before.LogRows));
            Assert.That(afterSuccess.Audit, Is.GreaterThan(before.Audit));
            Assert.That(afterSuccess.Outbox, Is.GreaterThan(before.Outbox));
            Assert.That(afterSuccess.Labels + afterSuccess.Comments, Is.EqualTo(2));
            Assert.That(afterSuccess.Deliveries, Is.GreaterThan(before.Deliveries));
        });
    }

    [Test]
    public async Task Concurrent_atomic_batches_with_If_Match_on_one_task_let_exactly_one_win()
    {
        var (_, token) = await SignUpAsync("alice");
        var task = (await CreateTaskAsync(token, """{"task_name":"Contended","priority":"LOW"}"""))["id"]!.GetValue<long>();
        string Batch(string name) =>
            $$$"""{"atomic":true,"operations":[{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"{{{name}}} side","priority":"LOW"}},{"method":"PATCH","path":"/api/v2/tasks/{{{task}}}","if_match":"\"1\"","body":{"task_name":"{{{name}}}"}}]}""";

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => SendAsync(HttpMethod.Post, "/api/v2/batch", token, Json(Batch($"Writer {i}")))));
        var bodies = await Task.WhenAll(answers.Select(ReadJsonAsync));
        var winner = Array.FindIndex(answers, a => a.StatusCode == HttpStatusCode.OK);
        var name = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT task_name FROM tasks WHERE id = @id", ("id", task));

        Assert.Multiple(async () =>
        {
            Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
            Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(3));
            Assert.That(bodies.Where((_, i) => i != winner).Select(b => b["results"]![1]!["status"]!.GetValue<int>()), Is.All.EqualTo(412));
            Assert.That(name, Is.EqualTo($"Writer {winner}"));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks WHERE task_name LIKE '% side'"), Is.EqualTo(1),
                "the losers' creates were rolled back with them");
        });
    }

    private async Task<HttpResponseMessage> BatchAsync(string token, bool atomic, params string[] operations) =>
        await SendAsync(HttpMethod.Post, "/api/v2/batch", token,
            Json($$"""{"atomic":{{(atomic ? "true" : "false")}},"operations":[{{string.Join(',', operations)}}]}"""));

    private static string Without(JsonNode node, string key)
    {
        var copy = node.DeepClone().AsObject();
        copy.Remove(key);
        return copy.ToJsonString();
    }

    private sealed record Counts(long Tasks, long LogRows, long Labels, long Comments, long Audit, long Outbox, long Deliveries, int ExistingVersion);

    private async Task<Counts> CountsAsync()
    {
        async Task<long> Count(string table) => await Sql.ScalarAsync<long>(App.ConnectionString, $"SELECT count(*) FROM {table}");
        return new Counts(await Count("tasks"), await Count("task_logger"), await Count("labels"), await Count("task_comments"),
            await Count("task_audit"), await Count("outbox_messages"), await Count("webhook_deliveries"),
            await Sql.ScalarAsync<int>(App.ConnectionString, "SELECT coalesce(max(version), 0) FROM tasks WHERE task_name = 'Existing'"));
    }
}
