using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Projects;

/// <summary>Projects as a team sees them: its own private space, the public default one everyone shares, and nothing of a
/// private project for anyone outside it.</summary>
public sealed class ProjectsTests : ApiTest
{
    [Test]
    public async Task Every_existing_task_and_every_v1_task_is_in_the_public_default_project()
    {
        var (_, token) = await SignUpAsync("alice");
        var task = await CreateTaskAsync(token, """{"task_name":"Old way","priority":"LOW"}""");

        var general = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects/1", token));
        var v2 = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task["id"]}", token));

        Assert.Multiple(() =>
        {
            Assert.That(task["project_id"]!.GetValue<long>(), Is.EqualTo(1), "v1's answer carries the project");
            Assert.That(v2["project_id"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(general["name"]!.GetValue<string>(), Is.EqualTo("General"));
            Assert.That(general["is_default"]!.GetValue<bool>(), Is.True);
            Assert.That(general["visibility"]!.GetValue<string>(), Is.EqualTo("public"));
            Assert.That(general["my_role"], Is.Null);
            Assert.That(general["task_count"]!.GetValue<long>(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_new_project_is_private_with_its_creator_as_owner_and_answers_with_location_and_etag()
    {
        var (aliceId, alice) = await SignUpAsync("alice");

        var created = await SendAsync(HttpMethod.Post, "/api/v2/projects", alice, Json("""{"name":"  Launch  ","description":"Q3"}"""));
        var project = await ReadJsonAsync(created);
        var id = project["id"]!.GetValue<long>();
        var again = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", alice, null, created.Headers.ETag!.Tag);

        Assert.Multiple(() =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/projects/{id}"));
            Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That(project["name"]!.GetValue<string>(), Is.EqualTo("Launch"));
            Assert.That(project["visibility"]!.GetValue<string>(), Is.EqualTo("private"));
            Assert.That(project["my_role"]!.GetValue<string>(), Is.EqualTo("owner"));
            Assert.That(project["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(project["archived_at"], Is.Null);
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        });
    }

    [Test]
    public async Task A_private_project_does_not_exist_for_an_outsider_on_any_route()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (malloryId, mallory) = await SignUpAsync("mallory");
        var id = await CreateProjectAsync(alice, "Secret");

        var answers = new[]
        {
            await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", mallory),
            await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", mallory, Json("""{"name":"Mine"}""")),
            await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}", mallory),
            await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}/members", mallory),
            await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{malloryId}", mallory, Json("""{"role":"owner"}""")),
            await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{malloryId}", mallory),
        };
        var missing = await SendAsync(HttpMethod.Get, "/api/v2/projects/999999", mallory);
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects", mallory));

        foreach (var answer in answers)
        {
            var problem = await AssertProblemAsync(answer, HttpStatusCode.NotFound);
            Assert.That(problem["detail"]!.GetValue<string>(), Is.EqualTo($"Project {id} does not exist."), "worded as a missing id is");
        }
        Assert.Multiple(async () =>
        {
            Assert.That((await AssertProblemAsync(missing, HttpStatusCode.NotFound))["title"]!.GetValue<string>(), Is.EqualTo("Not Found"));
            Assert.That(Names(list), Is.EqualTo(new[] { "General" }));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM project_members WHERE user_id = @u", ("u", malloryId)),
                Is.Zero, "mallory made herself nothing");
        });
    }

    [Test]
    public async Task Viewers_read_but_only_owners_and_admins_change_a_project()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (rootId, _) = await SignUpAdminAsync();
        var admin = TestTokens.For(rootId, "root", ["user", "admin"]);
        var id = await CreateProjectAsync(alice, "Team");
        await AddMemberAsync(alice, id, bobId, "viewer");

        var read = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", bob));
        var viewerPatch = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", bob, Json("""{"name":"Bob's"}"""));
        var adminRead = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", admin));
        var adminPatch = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", admin, Json("""{"description":"by admin"}"""));

        Assert.Multiple(async () =>
        {
            Assert.That(read["my_role"]!.GetValue<string>(), Is.EqualTo("viewer"));
            await AssertProblemAsync(viewerPatch, HttpStatusCode.Forbidden);
            Assert.That(adminRead["my_role"], Is.Null, "an admin reads every project without being a member");
            Assert.That(adminPatch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_merge_patch_renames_clears_and_checks_if_match()
    {
        var (_, alice) = await SignUpAsync("alice");
        var id = await CreateProjectAsync(alice, "Draft", """ ,"description":"to clear" """);

        var renamed = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice,
            MergePatch("""{"name":"Final","description":null,"id":99,"visibility":"public"}"""), "\"1\"");
        var stale = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"name":"Late"}"""), "\"1\"");
        var same = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"name":"Final"}"""));
        var badVisibility = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"visibility":"secret"}"""));
        var badName = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"name":"   "}"""));

        var body = await ReadJsonAsync(renamed);
        Assert.Multiple(async () =>
        {
            Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(renamed.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            Assert.That(body["name"]!.GetValue<string>(), Is.EqualTo("Final"));
            Assert.That(body["description"], Is.Null);
            Assert.That(body["visibility"]!.GetValue<string>(), Is.EqualTo("public"));
            Assert.That(body["id"]!.GetValue<long>(), Is.EqualTo(id));
            await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
            Assert.That((await ReadJsonAsync(same))["version"]!.GetValue<int>(), Is.EqualTo(2), "a patch that changes nothing keeps the version");
            Assert.That((await AssertProblemAsync(badVisibility, HttpStatusCode.BadRequest))["errors"]!["visibility"], Is.Not.Null);
            Assert.That((await AssertProblemAsync(badName, HttpStatusCode.BadRequest))["errors"]!["name"], Is.Not.Null);
        });
    }

    [Test]
    public async Task An_archived_project_is_read_only_and_listed_only_when_asked_for()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var id = await CreateProjectAsync(alice, "Old");
        await CreateProjectAsync(alice, "Current");

        var archived = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"archived":true}""")));
        var rename = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"name":"Older"}"""));
        var member = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", alice, Json("""{"role":"viewer"}"""));
        var active = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects", alice));
        var onlyArchived = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects?archived=true", alice));
        var restored = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", alice, MergePatch("""{"archived":false,"name":"Back"}""")));

        Assert.Multiple(async () =>
        {
            Assert.That(archived["archived_at"], Is.Not.Null);
            await AssertProblemAsync(rename, HttpStatusCode.Conflict);
            await AssertProblemAsync(member, HttpStatusCode.Conflict);
            Assert.That(Names(active), Is.EqualTo(new[] { "Current", "General" }));
            Assert.That(Names(onlyArchived), Is.EqualTo(new[] { "Old" }));
            Assert.That(restored["archived_at"], Is.Null);
            Assert.That(restored["name"]!.GetValue<string>(), Is.EqualTo("Back"));
        });
    }

    [Test]
    public async Task The_default_project_cannot_be_deleted_archived_or_made_private()
    {
        var (rootId, _) = await SignUpAdminAsync();
        var admin = TestTokens.For(rootId, "root", ["user", "admin"]);

        var answers = new[]
        {
            await SendAsync(HttpMethod.Delete, "/api/v2/projects/1", admin),
            await SendAsync(HttpMethod.Patch, "/api/v2/projects/1", admin, MergePatch("""{"archived":true}""")),
            await SendAsync(HttpMethod.Patch, "/api/v2/projects/1", admin, MergePatch("""{"visibility":"private"}""")),
        };

        foreach (var answer in answers)
        {
            await AssertProblemAsync(answer, HttpStatusCode.Conflict);
        }
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT visibility || ',' || (archived_at IS NULL) FROM projects WHERE id = 1"),
            Is.EqualTo("public,true"));
    }

    [Test]
    public async Task Only_a_project_that_never_held_a_task_can_be_deleted()
    {
        var (_, alice) = await SignUpAsync("alice");
        var empty = await CreateProjectAsync(alice, "Empty");
        var used = await CreateProjectAsync(alice, "Used");
        await Sql.ExecuteAsync(App.ConnectionString,
            "INSERT INTO tasks (task_name, priority, status, project_id) VALUES ('gone', 'LOW', false, @p)", ("p", used));

        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{empty}", alice);
        var afterwards = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{empty}", alice);
        var refused = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{used}", alice);

        Assert.Multiple(async () =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(afterwards.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        });
    }

    [Test]
    public async Task The_list_pages_by_name_and_filters_by_part_of_it()
    {
        var (_, alice) = await SignUpAsync("alice");
        foreach (var name in new[] { "delta", "Alpha", "charlie", "Bravo", "alpha%" })
        {
            await CreateProjectAsync(alice, name);
        }

        var first = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects?limit=3", alice));
        var second = await ReadJsonAsync(await SendAsync(HttpMethod.Get,
            $"/api/v2/projects?limit=3&cursor={Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>())}", alice));
        var search = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects?q=ALP", alice));
        var wildcard = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/projects?q=%25", alice));
        var foreignCursor = await SendAsync(HttpMethod.Get, $"/api/v2/projects?q=x&cursor={Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>())}", alice);
        var badArchived = await SendAsync(HttpMethod.Get, "/api/v2/projects?archived=maybe", alice);

        Assert.Multiple(async () =>
        {
            Assert.That(Names(first), Is.EqualTo(new[] { "Alpha", "alpha%", "Bravo" }));
            Assert.That(Names(second), Is.EqualTo(new[] { "charlie", "delta", "General" }));
            Assert.That(second["next_cursor"], Is.Null);
            Assert.That(Names(search), Is.EqualTo(new[] { "Alpha", "alpha%" }));
            Assert.That(Names(wildcard), Is.EqualTo(new[] { "alpha%" }), "% is a character, not a wildcard");
            await AssertProblemAsync(foreignCursor, HttpStatusCode.BadRequest);
            await AssertProblemAsync(badArchived, HttpStatusCode.BadRequest);
        });
    }

    [Test]
    public async Task The_project_filter_lists_only_those_projects_tasks_and_a_hidden_project_matches_nothing()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, mallory) = await SignUpAsync("mallory");
        var open = await CreateProjectAsync(alice, "Open", """ ,"visibility":"public" """);
        var secret = await CreateProjectAsync(alice, "Secret");
        var inGeneral = (await CreateTaskAsync(alice, """{"task_name":"General one","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var inOpen = (await CreateTaskAsync(alice, """{"task_name":"Open one","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var inSecret = (await CreateTaskAsync(alice, """{"task_name":"Secret one","priority":"LOW"}"""))["id"]!.GetValue<long>();
        // Moved behind the service's back until tasks can be created in a project: drop what it cached of the lists.
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE tasks SET project_id = @p WHERE id = @t", ("p", open), ("t", inOpen));
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE tasks SET project_id = @p WHERE id = @t", ("p", secret), ("t", inSecret));
        await App.Services.GetRequiredService<TaskManager.Features.Tasks.TaskReadCache>().InvalidateAsync();

        async Task<long[]> TaskIds(string url, string token, string list, string key = "id") =>
            (await ReadJsonAsync(await SendAsync(HttpMethod.Get, url, token)))[list]!.AsArray().Select(t => t![key]!.GetValue<long>()).Order().ToArray();

        var export = await (await SendAsync(HttpMethod.Get, $"/api/v2/tasks/export?project_id={open}", mallory)).Content.ReadAsStringAsync();
        var v1 = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?project_id={open}", mallory));
        Assert.Multiple(async () =>
        {
            Assert.That(await TaskIds($"/api/v2/tasks?project_id={open}", mallory, "tasks"), Is.EqualTo(new[] { inOpen }));
            Assert.That(await TaskIds($"/api/v2/tasks?project_id=1,{open}", mallory, "tasks"), Is.EqualTo(new[] { inGeneral, inOpen }));
            Assert.That(await TaskIds($"/api/v2/tasks?project_id={secret}", mallory, "tasks"), Is.Empty, "a hidden project matches nothing");
            Assert.That(await TaskIds($"/api/v2/tasks?project_id={secret}", alice, "tasks"), Is.EqualTo(new[] { inSecret }));
            Assert.That(await TaskIds($"/api/v2/task-log?project_id={open}", mallory, "entries", "task_id"), Is.EqualTo(new[] { inOpen }));
            Assert.That(await TaskIds($"/api/v2/task-log?project_id={secret}", mallory, "entries", "task_id"), Is.Empty);
            Assert.That(v1["tasks"]!.AsArray().Select(e => e!["task_id"]!.GetValue<long>()), Is.EqualTo(new[] { inOpen }));
            Assert.That(v1["total"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(export, Does.Contain("Open one").And.Not.Contain("General one").And.Not.Contain("Secret one"));
            foreach (var bad in new[] { "/api/v2/tasks?project_id=abc", "/api/tasks?project_id=0", "/api/v2/task-log?project_id=1,-2", "/api/v2/tasks/export?project_id=" })
            {
                var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, bad, mallory), HttpStatusCode.BadRequest);
                Assert.That(problem["errors"]!["project_id"], Is.Not.Null, bad);
            }
        });
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string token, HttpContent? content, string etag)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation(method == HttpMethod.Get ? "If-None-Match" : "If-Match", etag);
        return await Client.SendAsync(request);
    }

    private static StringContent MergePatch(string json) => new(json, Encoding.UTF8, "application/merge-patch+json");

    private static string[] Names(JsonObject page) => page["projects"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToArray();
}
