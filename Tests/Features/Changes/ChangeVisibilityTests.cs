using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

public sealed class ChangeVisibilityTests : ApiTest
{
    private static string[] Types(List<System.Text.Json.Nodes.JsonObject> changes) => changes.Select(c => c["type"]!.GetValue<string>()).ToArray();

    [Test]
    public async Task An_outsider_sees_nothing_of_a_private_project_and_a_member_sees_all_of_it()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (_, eve) = await SignUpAsync("eve");
        var outsider = await new ChangeFeedClient(Client, eve).StartAsync();
        var member = await new ChangeFeedClient(Client, bob).StartAsync();

        var project = await CreateProjectAsync(alice, "Secret");
        await AddMemberAsync(alice, project, bobId, "viewer");
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"hidden","priority":"LOW","project_id":{{project}}}"""));
        await CreateTaskAsync(alice, """{"task_name":"public","priority":"LOW"}""");

        var seen = await outsider.DrainAsync();
        var all = await member.DrainAsync();
        Assert.Multiple(() =>
        {
            Assert.That(seen.Select(c => c["data"]!["task_name"]?.GetValue<string>()), Is.EqualTo(new[] { "public" }));
            Assert.That(seen.ToString(), Does.Not.Contain("Secret"));
            Assert.That(Types(all), Is.EqualTo(new[] { "project.created", "project.member_added", "task.created", "task.created" }));
            Assert.That(all[1]["data"]!["user_id"]!.GetValue<long>(), Is.EqualTo(bobId));
        });
        var filtered = new ChangeFeedClient(Client, eve, $"project_id={project}") { Position = outsider.Position };
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"hidden 2","priority":"LOW","project_id":{{project}}}"""));
        Assert.That(await filtered.DrainAsync(), Is.Empty, "a filter naming a hidden project matches nothing");
    }

    [Test]
    public async Task A_removed_member_gets_its_removal_and_nothing_of_the_project_after_it()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var project = await CreateProjectAsync(alice, "Secret");
        await AddMemberAsync(alice, project, bobId, "viewer");
        var feed = await new ChangeFeedClient(Client, bob, $"project_id={project}").StartAsync();

        await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{project}/members/{bobId}", alice);
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"after","priority":"LOW","project_id":{{project}}}"""));
        var changes = await feed.DrainAsync();

        Assert.That(Types(changes), Is.EqualTo(new[] { "project.member_removed" }));
        Assert.Multiple(() =>
        {
            Assert.That(changes[0]["data"]!["user_id"]!.GetValue<long>(), Is.EqualTo(bobId));
            Assert.That(changes[0]["data"]!["project_id"]!.GetValue<long>(), Is.EqualTo(project));
        });
    }

    [Test]
    public async Task A_task_moved_out_of_sight_is_removed_with_its_id_alone()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, eve) = await SignUpAsync("eve");
        var task = await CreateTaskAsync(alice, """{"task_name":"moving","priority":"LOW"}""");
        var id = task["id"]!.GetValue<long>();
        var project = await CreateProjectAsync(alice, "Secret");
        var outsider = await new ChangeFeedClient(Client, eve).StartAsync();
        var owner = await new ChangeFeedClient(Client, alice).StartAsync();

        var moved = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", alice, Json($$"""{"project_id":{{project}}}"""));
        Assert.That(moved.IsSuccessStatusCode, Is.True, await moved.Content.ReadAsStringAsync());
        var seen = await outsider.DrainAsync();
        var ownerSees = await owner.DrainAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Types(seen), Is.EqualTo(new[] { "task.removed" }));
            Assert.That(seen[0]["data"]!.ToJsonString(), Is.EqualTo($$"""{"id":{{id}}}"""));
            Assert.That(Types(ownerSees), Is.EqualTo(new[] { "task.updated" }));
            Assert.That(ownerSees[0]["data"]!["project_id"]!.GetValue<long>(), Is.EqualTo(project));
        });
    }

    [Test]
    public async Task Labels_and_comments_are_changes_of_their_project()
    {
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice, "project_id=1").StartAsync();
        var task = await CreateTaskAsync(alice, """{"task_name":"talk","priority":"LOW"}""");
        var id = task["id"]!.GetValue<long>();
        await SendAsync(HttpMethod.Post, "/api/v2/projects/1/labels", alice, Json("""{"name":"urgent"}"""));
        var comment = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{id}/comments", alice, Json("""{"body":"hello"}"""));
        Assert.That(comment.IsSuccessStatusCode, Is.True, await comment.Content.ReadAsStringAsync());

        var changes = await feed.DrainAsync();

        Assert.That(Types(changes), Is.EqualTo(new[] { "task.created", "label.created", "comment.created" }));
        Assert.That(changes[2]["data"]!["task_id"]!.GetValue<long>(), Is.EqualTo(id));
    }
}
