using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>Subtasks and dependencies: links stay in one project, never loop (not even when two writes race), nest at most
/// five levels, and what a user reads (counts, `blocked`, filters) is right the moment anything changes.</summary>
public sealed class SubtasksAndDependenciesTests : ApiTest
{
    private string owner = "";
    private long project;

    [SetUp]
    public async Task ProjectAsync()
    {
        (_, owner) = await SignUpAsync("olivia");
        project = await CreateProjectAsync(owner);
    }

    private async Task<long> TaskAsync(string name, string extra = "")
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", owner,
            Json($$"""{"task_name":"{{name}}","priority":"LOW","project_id":{{project}}{{extra}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<JsonObject> ReadAsync(long id) => await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{id}", owner));

    private Task<HttpResponseMessage> PatchAsync(long id, string json) => SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", owner, Json(json));

    private async Task<long[]> ListAsync(string query) =>
        [.. (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?project_id={project}&{query}", owner)))["tasks"]!.AsArray()
            .Select(t => t!["id"]!.GetValue<long>())];

    [Test]
    public async Task A_parent_counts_its_live_subtasks_and_the_parent_filters_find_them()
    {
        var parent = await TaskAsync("Release");
        var first = await TaskAsync("Notes", $""","parent_id":{parent}""");
        var second = await TaskAsync("Tag", $""","parent_id":{parent},"done":true""");
        var third = await TaskAsync("Blog", $""","parent_id":{parent}""");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{third}", owner);

        var read = await ReadAsync(parent);

        Assert.Multiple(async () =>
        {
            Assert.That((read["subtask_count"]!.GetValue<int>(), read["subtasks_done"]!.GetValue<int>()), Is.EqualTo((2, 1)));
            Assert.That(await ListAsync($"parent_id={parent}"), Is.EquivalentTo(new[] { first, second }));
            Assert.That(await ListAsync("parent_id=none"), Is.EquivalentTo(new[] { parent }));
        });
    }

    [Test]
    public async Task Deleting_a_parent_deletes_its_subtree_and_restoring_it_brings_back_only_what_went_with_it()
    {
        var parent = await TaskAsync("Parent");
        var child = await TaskAsync("Child", $""","parent_id":{parent}""");
        var grandchild = await TaskAsync("Grandchild", $""","parent_id":{child}""");
        var deletedBefore = await TaskAsync("Gone already", $""","parent_id":{parent}""");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{deletedBefore}", owner);

        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{parent}", owner);
        var afterDelete = (await ReadAsync(child))["deleted_at"];
        var afterDeleteGrand = (await ReadAsync(grandchild))["deleted_at"];
        var restored = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{parent}/restore", owner);

        Assert.Multiple(async () =>
        {
            Assert.That(afterDelete, Is.Not.Null);
            Assert.That(afterDeleteGrand, Is.Not.Null);
            Assert.That(restored.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await ReadAsync(child))["deleted_at"], Is.Null);
            Assert.That((await ReadAsync(grandchild))["deleted_at"], Is.Null);
            Assert.That((await ReadAsync(deletedBefore))["deleted_at"], Is.Not.Null, "deleted before its parent, it stays deleted");
        });
    }

    [Test]
    public async Task Purging_a_parent_purges_its_subtree()
    {
        var (_, admin) = await SignUpAdminAsync();
        var parent = await TaskAsync("Parent");
        var child = await TaskAsync("Child", $""","parent_id":{parent}""");

        var purged = await SendAsync(HttpMethod.Delete, $"/api/task/{parent}?permanent=true", admin);

        Assert.Multiple(async () =>
        {
            Assert.That(purged.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That((await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{child}", owner)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task A_cycle_a_sixth_level_and_a_parent_elsewhere_are_400s_naming_parent_id()
    {
        var other = await CreateProjectAsync(owner, "Other");
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", owner, Json($$"""{"task_name":"Elsewhere","priority":"LOW","project_id":{{other}}}"""));
        var elsewhere = (await ReadJsonAsync(response))["id"]!.GetValue<long>();
        var chain = new List<long> { await TaskAsync("Level 1") };
        for (var level = 2; level <= 5; level++)
        {
            chain.Add(await TaskAsync($"Level {level}", $""","parent_id":{chain[^1]}"""));
        }

        var sixth = await SendAsync(HttpMethod.Post, "/api/v2/tasks", owner,
            Json($$"""{"task_name":"Level 6","priority":"LOW","project_id":{{project}},"parent_id":{{chain[^1]}}}"""));
        var cycle = await PatchAsync(chain[0], $$"""{"parent_id":{{chain[2]}}}""");
        var self = await PatchAsync(chain[0], $$"""{"parent_id":{{chain[0]}}}""");
        var foreign = await PatchAsync(chain[0], $$"""{"parent_id":{{elsewhere}}}""");
        var missing = await PatchAsync(chain[0], """{"parent_id":999999999}""");

        foreach (var refused in new[] { sixth, cycle, self, foreign, missing })
        {
            var problem = await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "parent_id" }));
        }
        Assert.That((await ReadAsync(chain[0]))["parent_id"], Is.Null, "a refused change leaves the task as it was");
    }

    [Test]
    public async Task Blocked_is_true_until_every_blocker_is_done_or_deleted_and_the_filters_agree()
    {
        var design = await TaskAsync("Design");
        var review = await TaskAsync("Review");
        var build = await TaskAsync("Build", $""","blocked_by":[{design},{review}]""");

        var before = await ReadAsync(build);
        await PatchAsync(design, """{"done":true}""");
        var halfway = await ReadAsync(build);
        var blockedList = await ListAsync("blocked=true");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{review}", owner);
        var after = await ReadAsync(build);

        Assert.Multiple(async () =>
        {
            Assert.That(before["blocked"]!.GetValue<bool>(), Is.True);
            Assert.That(before["blocked_by"]!.AsArray().Select(n => n!.GetValue<long>()), Is.EqualTo(new[] { design, review }));
            Assert.That(halfway["blocked"]!.GetValue<bool>(), Is.True, "review is still open");
            Assert.That(blockedList, Is.EqualTo(new[] { build }));
            Assert.That(after["blocked"]!.GetValue<bool>(), Is.False, "done or deleted blockers block nothing");
            Assert.That(await ListAsync($"blocked_by={design}"), Is.EqualTo(new[] { build }));
            Assert.That(await ListAsync("blocked=false"), Does.Contain(build));
        });
    }

    [Test]
    public async Task A_dependency_cycle_is_a_400_naming_blocked_by_and_the_tasks()
    {
        var a = await TaskAsync("A");
        var b = await TaskAsync("B", $""","blocked_by":[{a}]""");
        var c = await TaskAsync("C", $""","blocked_by":[{b}]""");

        var problem = await AssertProblemAsync(await PatchAsync(a, $$"""{"blocked_by":[{{c}}]}"""), HttpStatusCode.BadRequest);
        var self = await AssertProblemAsync(await PatchAsync(a, $$"""{"blocked_by":[{{a}}]}"""), HttpStatusCode.BadRequest);

        Assert.Multiple(() =>
        {
            Assert.That(problem["errors"]!["blocked_by"]![0]!.GetValue<string>(), Does.Contain(c.ToString()).And.Contain(a.ToString()));
            Assert.That(self["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "blocked_by" }));
        });
    }

    [Test]
    public async Task Two_racing_patches_cannot_form_a_cycle_together()
    {
        for (var round = 0; round < 5; round++)
        {
            var a = await TaskAsync($"A{round}");
            var b = await TaskAsync($"B{round}");
            var p1 = await TaskAsync($"P{round}");
            var p2 = await TaskAsync($"Q{round}");

            // Each alone is fine; together they would loop: a blocked by b and b blocked by a; p1 under p2 and p2 under p1.
            var results = await Task.WhenAll(PatchAsync(a, $$"""{"blocked_by":[{{b}}]}"""), PatchAsync(b, $$"""{"blocked_by":[{{a}}]}"""),
                PatchAsync(p1, $$"""{"parent_id":{{p2}}}"""), PatchAsync(p2, $$"""{"parent_id":{{p1}}}"""));

            Assert.Multiple(() =>
            {
                Assert.That(results.Take(2).Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), $"round {round}: one blocker link wins");
                Assert.That(results.Take(2).Count(r => r.StatusCode == HttpStatusCode.BadRequest), Is.EqualTo(1));
                Assert.That(results.Skip(2).Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), $"round {round}: one parent link wins");
                Assert.That(results.Skip(2).Count(r => r.StatusCode == HttpStatusCode.BadRequest), Is.EqualTo(1));
            });
        }
    }

    [Test]
    public async Task A_task_with_subtasks_cannot_leave_their_project_and_v1s_put_leaves_the_links_alone()
    {
        var other = await CreateProjectAsync(owner, "Other");
        var parent = await TaskAsync("Parent", ""","labels":["keep"]""");
        var child = await TaskAsync("Child", $""","parent_id":{parent},"blocked_by":[{parent}]""");

        var move = await AssertProblemAsync(await PatchAsync(parent, $$"""{"project_id":{{other}}}"""), HttpStatusCode.BadRequest);
        var put = await SendAsync(HttpMethod.Put, $"/api/task/{child}", owner, Json("""{"task_name":"Renamed child"}"""));
        var read = await ReadAsync(child);
        var moveLeaf = await PatchAsync(child, $$"""{"project_id":{{other}},"parent_id":null,"blocked_by":[]}""");
        var moveParent = await PatchAsync(parent, $$"""{"project_id":{{other}}}""");

        Assert.Multiple(async () =>
        {
            Assert.That(move["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "project_id" }));
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((read["parent_id"]!.GetValue<long>(), read["blocked_by"]!.AsArray().Count), Is.EqualTo((parent, 1)));
            Assert.That(moveLeaf.StatusCode, Is.EqualTo(HttpStatusCode.OK), await moveLeaf.Content.ReadAsStringAsync());
            Assert.That(moveParent.StatusCode, Is.EqualTo(HttpStatusCode.OK), await moveParent.Content.ReadAsStringAsync());
            Assert.That((await ReadJsonAsync(moveParent))["labels"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "keep" }),
                "a moved task keeps its labels by name");
        });
    }
}
