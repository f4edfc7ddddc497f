using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Projects;

/// <summary>Tasks in projects: who may read, create, change, delete and manage what, by role, in a private project and a
/// public one; moving a task between projects; and an archived project's tasks staying as they are.</summary>
public sealed class ProjectTasksTests : ApiTest
{
    private static readonly HttpStatusCode Ok = HttpStatusCode.OK, Created = HttpStatusCode.Created, Gone = HttpStatusCode.NoContent,
        Forbidden = HttpStatusCode.Forbidden, NotFound = HttpStatusCode.NotFound, Bad = HttpStatusCode.BadRequest;

    [Test]
    public async Task In_a_private_project_viewers_read_editors_write_owners_manage_admins_do_all_and_a_bystander_finds_nothing()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var (viewerId, viewer) = await SignUpAsync("victor");
        var (editorId, editor) = await SignUpAsync("edith");
        var (_, admin) = await SignUpAdminAsync();
        var (_, bystander) = await SignUpAsync("dave");
        var project = await CreateProjectAsync(owner, "Private");
        await AddMemberAsync(owner, project, viewerId, "viewer");
        await AddMemberAsync(owner, project, editorId, "editor");

        var expected = new Dictionary<string, (string Token, HttpStatusCode Read, HttpStatusCode Create, HttpStatusCode Change, HttpStatusCode Delete, HttpStatusCode Manage)>
        {
            ["viewer"] = (viewer, Ok, Forbidden, Forbidden, Forbidden, Forbidden),
            ["editor"] = (editor, Ok, Created, Ok, Gone, Forbidden),
            ["owner"] = (owner, Ok, Created, Ok, Gone, Ok),
            ["admin"] = (admin, Ok, Created, Ok, Gone, Ok),
            ["bystander"] = (bystander, NotFound, Bad, NotFound, NotFound, NotFound),
        };
        var seen = new Dictionary<string, (HttpStatusCode, HttpStatusCode, HttpStatusCode, HttpStatusCode, HttpStatusCode)>();
        foreach (var (role, (token, _, _, _, _, _)) in expected)
        {
            var task = await CreateInAsync(owner, project, $"{role}'s task");
            seen[role] = (
                (await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}", token)).StatusCode,
                (await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json($$"""{"task_name":"By {{role}}","priority":"LOW","project_id":{{project}}}"""))).StatusCode,
                (await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", token, Json("""{"priority":"HIGH"}"""))).StatusCode,
                (await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{task}", token)).StatusCode,
                (await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{project}", token, Json($$"""{"description":"by {{role}}"}"""))).StatusCode);
        }

        Assert.That(seen, Is.EquivalentTo(expected.ToDictionary(e => e.Key, e => (e.Value.Read, e.Value.Create, e.Value.Change, e.Value.Delete, e.Value.Manage))));
    }

    [Test]
    public async Task In_a_public_project_anyone_creates_but_changes_only_by_v1s_rule_or_as_the_projects_editor()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var (editorId, editor) = await SignUpAsync("edith");
        var (_, bystander) = await SignUpAsync("dave");
        var project = await CreateProjectAsync(owner, "Open", ""","visibility":"public" """);
        await AddMemberAsync(owner, project, editorId, "editor");
        var ownersTask = await CreateInAsync(owner, project, "Olivia's");

        var read = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{ownersTask}", bystander);
        var created = await SendAsync(HttpMethod.Post, "/api/v2/tasks", bystander, Json($$"""{"task_name":"Dave's","priority":"LOW","project_id":{{project}}}"""));
        var ownTask = (await ReadJsonAsync(created))["id"]!.GetValue<long>();
        var changesOwn = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{ownTask}", bystander, Json("""{"priority":"HIGH"}"""));
        var changesOthers = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{ownersTask}", bystander, Json("""{"priority":"HIGH"}"""));
        var deletesOthers = await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{ownersTask}", bystander);
        var editorChanges = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{ownTask}", editor, Json("""{"done":true}"""));
        var problem = await ReadJsonAsync(changesOthers);

        Assert.Multiple(() =>
        {
            Assert.That((read.StatusCode, created.StatusCode, changesOwn.StatusCode), Is.EqualTo((Ok, Created, Ok)));
            Assert.That((changesOthers.StatusCode, deletesOthers.StatusCode), Is.EqualTo((Forbidden, Forbidden)));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("editors and owners"));
            Assert.That(editorChanges.StatusCode, Is.EqualTo(Ok), "the project's editor changes anyone's task");
        });
    }

    [Test]
    public async Task A_task_moves_where_its_mover_may_create_and_nowhere_else()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (_, carol) = await SignUpAsync("carol");
        var team = await CreateProjectAsync(alice, "Team");
        var watched = await CreateProjectAsync(alice, "Watched");
        var hidden = await CreateProjectAsync(carol, "Carol's");
        await AddMemberAsync(alice, team, bobId, "editor");
        await AddMemberAsync(alice, watched, bobId, "viewer");
        var task = (await CreateTaskAsync(bob, """{"task_name":"Roaming","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var intoTeam = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", bob, Json($$"""{"project_id":{{team}}}"""));
        var intoWatched = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", bob, Json($$"""{"project_id":{{watched}}}"""));
        var intoHidden = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", bob, Json($$"""{"project_id":{{hidden}}}"""));
        var intoNothing = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", bob, Json("""{"project_id":999999}"""));
        var cleared = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", bob, Json("""{"project_id":null}"""));
        var carolLooks = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}", carol);
        var inTeam = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?project_id={team}", bob));
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        var audit = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/audit",
            TestTokens.For(aliceId, "alice", ["user", "manager"])));

        Assert.Multiple(async () =>
        {
            Assert.That(intoTeam.StatusCode, Is.EqualTo(Ok), await intoTeam.Content.ReadAsStringAsync());
            Assert.That((await ReadJsonAsync(intoTeam))["project_id"]!.GetValue<long>(), Is.EqualTo(team));
            Assert.That(intoWatched.StatusCode, Is.EqualTo(Forbidden), "a viewer of the target may not put tasks there");
            Assert.That((intoHidden.StatusCode, intoNothing.StatusCode), Is.EqualTo((Bad, Bad)));
            var (hiddenProblem, missingProblem) = (await ReadJsonAsync(intoHidden), await ReadJsonAsync(intoNothing));
            Assert.That(hiddenProblem["errors"]!["project_id"], Is.Not.Null, "the problem names the field");
            Assert.That(hiddenProblem["detail"]!.GetValue<string>().Replace(hidden.ToString(), "N", StringComparison.Ordinal),
                Is.EqualTo(missingProblem["detail"]!.GetValue<string>().Replace("999999", "N", StringComparison.Ordinal)),
                "a project one may not read answers as one that does not exist");
            Assert.That(cleared.StatusCode, Is.EqualTo(Bad), "a task is always in a project");
            Assert.That(carolLooks.StatusCode, Is.EqualTo(NotFound));
            Assert.That(inTeam["tasks"]!.AsArray().Select(t => t!["id"]!.GetValue<long>()), Is.EqualTo(new[] { task }));
            var moved = audit["entries"]!.AsArray().Last()!["changes"]!["project_id"]!;
            Assert.That((moved["old"]!.GetValue<long>(), moved["new"]!.GetValue<long>()), Is.EqualTo((1L, team)), "the move is audited");
        });
    }

    [Test]
    public async Task An_archived_project_keeps_its_tasks_as_they_are_until_it_is_unarchived()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, admin) = await SignUpAdminAsync();
        var project = await CreateProjectAsync(alice, "Done");
        var task = await CreateInAsync(alice, project, "Finished");
        var archive = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{project}", alice, Json("""{"archived":true}"""));
        Assert.That(archive.StatusCode, Is.EqualTo(Ok), await archive.Content.ReadAsStringAsync());

        var patched = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", alice, Json("""{"priority":"HIGH"}"""));
        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{task}", alice);
        var purged = await SendAsync(HttpMethod.Delete, $"/api/task/{task}?permanent=true", admin);
        var created = await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"Late","priority":"LOW","project_id":{{project}}}"""));
        var movedIn = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{(await CreateTaskAsync(alice, """{"task_name":"Loose","priority":"LOW"}"""))["id"]}",
            alice, Json($$"""{"project_id":{{project}}}"""));
        var read = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}", alice);
        await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{project}", alice, Json("""{"archived":false}"""));
        var afterwards = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", alice, Json("""{"priority":"HIGH"}"""));

        Assert.Multiple(async () =>
        {
            Assert.That(new[] { patched.StatusCode, deleted.StatusCode, purged.StatusCode, created.StatusCode, movedIn.StatusCode },
                Is.All.EqualTo(HttpStatusCode.Conflict));
            Assert.That((await ReadJsonAsync(patched))["detail"]!.GetValue<string>(), Does.Contain("archived"));
            Assert.That((await ReadJsonAsync(read))["priority"]!.GetValue<string>(), Is.EqualTo("LOW"));
            Assert.That(afterwards.StatusCode, Is.EqualTo(Ok));
        });
    }

    [Test]
    public async Task The_daily_logs_total_and_pages_leave_out_hidden_projects_and_follow_a_moved_task()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var project = await CreateProjectAsync(alice, "Private");
        var hidden = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            hidden.Add(await CreateInAsync(alice, project, $"Secret {i}"));
        }
        for (var i = 0; i < 4; i++)
        {
            await CreateTaskAsync(bob, $$"""{"task_name":"Open {{i}}","priority":"{{(i % 2 == 0 ? "LOW" : "HIGH")}}"}""");
        }

        async Task<(long Total, string[] Names)> ReadAllAsync(string query)
        {
            var names = new List<string>();
            long total = 0;
            for (var page = 1; page <= 4; page++)
            {
                var body = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?per_page=2&page={page}{query}", bob));
                total = body["total"]!.GetValue<long>();
                names.AddRange(body["tasks"]!.AsArray().Select(t => t!["task_name"]!.GetValue<string>()));
            }
            return (total, names.ToArray());
        }
        var before = await ReadAllAsync("");
        var high = await ReadAllAsync("&priority=HIGH");
        var moved = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{hidden[0]}", alice, Json("""{"project_id":1}"""));
        var after = await ReadAllAsync("");
        var aliceSees = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks?per_page=2", alice));

        Assert.Multiple(() =>
        {
            Assert.That(before.Total, Is.EqualTo(4), "the total counts only what bob may read");
            Assert.That(before.Names, Is.EquivalentTo(new[] { "Open 0", "Open 1", "Open 2", "Open 3" }), "and the pages hold just that");
            Assert.That(high, Is.EqualTo((2L, new[] { "Open 3", "Open 1" })).Using<(long, string[])>((a, b) =>
                a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2) ? 0 : 1));
            Assert.That(moved.StatusCode, Is.EqualTo(Ok));
            Assert.That(after.Total, Is.EqualTo(5), "a task moved into sight brings its log rows");
            Assert.That(after.Names, Does.Contain("Secret 0"));
            Assert.That(aliceSees["total"]!.GetValue<long>(), Is.EqualTo(7), "a member sees every row");
        });
    }

    private async Task<long> CreateInAsync(string token, long project, string name)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json($$"""{"task_name":"{{name}}","priority":"LOW","project_id":{{project}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
