using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

public sealed class ListChangesTests : ApiTest
{
    [Test]
    public async Task A_follower_sees_each_change_of_a_task_once_in_order_with_its_data()
    {
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();

        var created = await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json("""{"task_name":"Write","priority":"LOW"}"""));
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<long>();
        await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", alice, Json("""{"priority":"HIGH"}"""));
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{id}", alice);
        var changes = await feed.DrainAsync();

        Assert.That(changes.Select(c => c["type"]!.GetValue<string>()), Is.EqualTo(new[] { "task.created", "task.updated", "task.deleted" }));
        var positions = changes.Select(c => c["position"]!.GetValue<string>()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(positions, Is.Ordered.Using<string>(StringComparer.Ordinal), "positions compare as strings in commit order");
            Assert.That(changes[1]["data"]!["priority"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(changes[1]["task_id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(changes[1]["project_id"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(changes[2]["data"]!["deleted_at"]!.GetValue<string>(), Is.Not.Empty);
        });
        Assert.That(await feed.DrainAsync(), Is.Empty, "nothing is repeated");
    }

    [Test]
    public async Task A_changes_data_is_the_resource_as_v2_shows_it()
    {
        var (_, alice) = await SignUpAsync("alice");
        var project = await CreateProjectAsync(alice, "Times");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();
        var task = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice,
            Json($$"""{"task_name":"Read","priority":"LOW","project_id":{{project}},"labels":["Blue"]}"""))))["id"]!.GetValue<long>();
        await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", alice, Json("""{"done":true}"""));
        var comment = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json("""{"body":"Noted"}"""))))["id"]!.GetValue<long>();
        var changes = await feed.DrainAsync();
        JsonNode Last(string type) => changes.Last(c => c["type"]!.GetValue<string>() == type)["data"]!;
        var label = Last("label.created")["id"]!.GetValue<long>();

        // Read after every change: a comment is as it was created; a label's task_count has moved since, its times not.
        var readComment = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/comments/{comment}", alice));
        var readLabel = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/labels/{label}", alice));
        var readTask = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}", alice));
        Assert.Multiple(() =>
        {
            Assert.That(JsonNode.DeepEquals(Last("comment.created"), readComment), Is.True, $"{Last("comment.created").ToJsonString()} against {readComment.ToJsonString()}");
            Assert.That(Last("label.created")["created_at"]!.GetValue<string>(), Is.EqualTo(readLabel["created_at"]!.GetValue<string>()));
            Assert.That(Last("task.updated")["completed_at"]!.GetValue<string>(), Is.EqualTo(readTask["completed_at"]!.GetValue<string>()));
            Assert.That(Last("task.updated")["updated_at"]!.GetValue<string>(), Is.EqualTo(readTask["updated_at"]!.GetValue<string>()));
            Assert.That(Last("task.created")["created_at"]!.GetValue<string>(), Is.EqualTo(readTask["created_at"]!.GetValue<string>()));
        });
    }

    [Test]
    public async Task Pages_split_by_limit_and_continue_without_a_gap()
    {
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await CreateTaskAsync(alice, $$"""{"task_name":"t{{i}}","priority":"LOW"}""");
        }

        var (first, more) = await feed.NextAsync(limit: 2);
        var rest = await feed.DrainAsync();

        Assert.Multiple(() =>
        {
            Assert.That(first, Has.Count.EqualTo(2));
            Assert.That(more, Is.True);
            Assert.That(first.Concat(rest).Select(c => c["data"]!["task_name"]!.GetValue<string>()), Is.EqualTo(new[] { "t0", "t1", "t2", "t3", "t4" }));
        });
    }

    [TestCase("after=xyz", "after")]
    [TestCase("after=0000000000000001", "after")]
    [TestCase("limit=0", "limit")]
    [TestCase("limit=1001", "limit")]
    [TestCase("limit=ten", "limit")]
    [TestCase("project_id=abc", "project_id")]
    [TestCase("project_id=1,-2", "project_id")]
    [TestCase("after=xyz&limit=0", "after")]
    public async Task Bad_parameters_are_400_naming_the_first_bad_one(string query, string field)
    {
        var (_, alice) = await SignUpAsync("alice");
        var response = await SendAsync(HttpMethod.Get, $"/api/v2/changes?{query}", alice);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task A_position_older_than_what_is_kept_is_410()
    {
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();
        await Sql.ExecuteAsync(App.ConnectionString,
            "INSERT INTO change_retention (purged_txid, purged_seq) VALUES (pg_current_xact_id(), 1) ON CONFLICT (only_row) DO UPDATE SET purged_txid = EXCLUDED.purged_txid, purged_seq = 1");

        var response = await feed.GetAsync($"/api/v2/changes?after={feed.Position}");

        await AssertProblemAsync(response, HttpStatusCode.Gone);
    }

    [Test]
    public async Task Retention_removes_old_changes_and_answers_their_positions_410()
    {
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();
        await CreateTaskAsync(alice, """{"task_name":"old","priority":"LOW"}""");
        var kept = new ChangeFeedClient(Client, alice) { Position = feed.Position };
        await kept.DrainAsync();
        await CreateTaskAsync(alice, """{"task_name":"new","priority":"LOW"}""");
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE changes SET occurred_at = now() - interval '31 days' WHERE data->>'task_name' = 'old'");

        var removed = await App.Services.GetRequiredService<TaskManager.Features.Changes.Retention.ChangeRetention>().SweepAsync(CancellationToken.None);

        Assert.That(removed, Is.EqualTo(1));
        await AssertProblemAsync(await feed.GetAsync($"/api/v2/changes?after={feed.Position}"), HttpStatusCode.Gone);
        Assert.That((await kept.DrainAsync()).Select(c => c["data"]!["task_name"]!.GetValue<string>()), Is.EqualTo(new[] { "new" }));
    }

    [Test]
    public async Task The_first_list_page_carries_the_position_to_follow_from()
    {
        var (_, alice) = await SignUpAsync("alice");
        await CreateTaskAsync(alice, """{"task_name":"listed","priority":"LOW"}""");
        var list = await SendAsync(HttpMethod.Get, "/api/v2/tasks", alice);
        Assert.That(list.Headers.TryGetValues("Changes-Position", out var values), Is.True, "the first page carries Changes-Position");
        var feed = new ChangeFeedClient(Client, alice) { Position = values!.Single() };
        await CreateTaskAsync(alice, """{"task_name":"later","priority":"LOW"}""");

        var names = (await feed.DrainAsync()).Select(c => c["data"]!["task_name"]!.GetValue<string>()).ToList();

        Assert.That(names, Does.Contain("later"));
        var next = await SendAsync(HttpMethod.Get, "/api/v2/tasks?limit=1", alice);
        var cursor = (await ReadJsonAsync(next))["next_cursor"]!.GetValue<string>();
        var second = await SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit=1&cursor={Uri.EscapeDataString(cursor)}", alice);
        Assert.That(second.Headers.Contains("Changes-Position"), Is.False, "only the first page");
    }
}
