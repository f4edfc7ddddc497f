using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Labels;

/// <summary>Labels of a project: managed by its editors and owners, set on tasks by name, renamed and deleted everywhere at
/// once, filtered on, audited, and invisible to whoever cannot read the project.</summary>
public sealed class LabelsTests : ApiTest
{
    private async Task<long> CreateTaskInAsync(string token, long project, string name, string extra = "")
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token,
            Json($$"""{"task_name":"{{name}}","priority":"LOW","project_id":{{project}}{{extra}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<JsonObject> GetAsync(string token, string url)
    {
        var response = await SendAsync(HttpMethod.Get, url, token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    private static string[] Names(JsonNode? labels) => [.. labels!.AsArray().Select(n => n!.GetValue<string>())];

    [Test]
    public async Task Labels_set_by_name_are_created_once_ignoring_case_and_shown_sorted()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var created = await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", owner, Json("""{"name":"Bug","color":"#FF0000"}"""));
        var task = await CreateTaskInAsync(owner, project, "Crash", ""","labels":["urgent","bug","Backend"]""");

        var read = await GetAsync(owner, $"/api/v2/tasks/{task}");
        var labels = (await GetAsync(owner, $"/api/v2/projects/{project}/labels"))["labels"]!.AsArray();
        var again = await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", owner, Json("""{"name":"BUG"}"""));

        Assert.Multiple(() =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(Names(read["labels"]), Is.EqualTo(new[] { "Backend", "Bug", "urgent" }), "the stored spelling, sorted ignoring case");
            Assert.That(labels.Select(l => l!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "Backend", "Bug", "urgent" }));
            Assert.That(labels.Select(l => l!["task_count"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 1, 1 }));
            Assert.That(labels[1]!["color"]!.GetValue<string>(), Is.EqualTo("#ff0000"));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a name taken ignoring case");
        });
    }

    [Test]
    public async Task A_rename_shows_on_every_task_and_a_deleted_label_leaves_every_task()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var first = await CreateTaskInAsync(owner, project, "One", ""","labels":["bug"]""");
        var second = await CreateTaskInAsync(owner, project, "Two", ""","labels":["bug","ui"]""");
        var bug = (await GetAsync(owner, $"/api/v2/projects/{project}/labels"))["labels"]!.AsArray().First(l => l!["name"]!.GetValue<string>() == "bug")!;
        var etagBefore = (await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{first}", owner)).Headers.ETag;

        var renamed = await SendAsync(HttpMethod.Patch, $"/api/v2/labels/{bug["id"]}", owner, Json("""{"name":"defect"}"""));
        var afterRename = (await GetAsync(owner, $"/api/v2/tasks/{first}"), (await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{first}", owner)).Headers.ETag);
        var ui = (await GetAsync(owner, $"/api/v2/projects/{project}/labels"))["labels"]!.AsArray().First(l => l!["name"]!.GetValue<string>() == "ui")!;
        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/labels/{ui["id"]}", owner);
        var afterDelete = await GetAsync(owner, $"/api/v2/tasks/{second}");

        Assert.Multiple(() =>
        {
            Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Names(afterRename.Item1["labels"]), Is.EqualTo(new[] { "defect" }));
            Assert.That(afterRename.Item2, Is.Not.EqualTo(etagBefore), "the task reads differently, so its ETag changed");
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(Names(afterDelete["labels"]), Is.EqualTo(new[] { "defect" }));
        });
    }

    [Test]
    public async Task The_label_filter_finds_tasks_with_any_of_the_names_and_a_patch_replaces_the_set_with_an_audit_entry()
    {
        var (ownerId, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var a = await CreateTaskInAsync(owner, project, "A", ""","labels":["bug"]""");
        var b = await CreateTaskInAsync(owner, project, "B", ""","labels":["ui"]""");
        await CreateTaskInAsync(owner, project, "C");

        var anyOf = (await GetAsync(owner, $"/api/v2/tasks?project_id={project}&label=BUG,ui"))["tasks"]!.AsArray();
        var patched = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{b}", owner, Json("""{"labels":["docs"]}"""));
        var onlyBug = (await GetAsync(owner, $"/api/v2/tasks?project_id={project}&label=ui"))["tasks"]!.AsArray();
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        var entries = (await GetAsync(TestTokens.For(ownerId, "olivia", ["user", "manager"]), $"/api/v2/tasks/{b}/audit"))["entries"]!.AsArray();
        var trail = entries.LastOrDefault(e => e!["changes"]?["labels"] is not null);

        Assert.Multiple(() =>
        {
            Assert.That(anyOf.Select(t => t!["id"]!.GetValue<long>()), Is.EquivalentTo(new[] { a, b }));
            Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(onlyBug, Is.Empty);
            Assert.That((trail!["changes"]!["labels"]!["old"]!.ToJsonString(), trail["changes"]!["labels"]!["new"]!.ToJsonString()),
                Is.EqualTo(("[\"ui\"]", "[\"docs\"]")));
        });
    }

    [Test]
    public async Task Viewers_and_strangers_cannot_manage_labels_and_a_private_projects_labels_do_not_exist_for_strangers()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var (viewerId, viewer) = await SignUpAsync("victor");
        var (_, stranger) = await SignUpAsync("sam");
        var project = await CreateProjectAsync(owner);
        await AddMemberAsync(owner, project, viewerId, "viewer");
        var label = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", owner, Json("""{"name":"bug"}"""))))["id"];
        var task = await CreateTaskInAsync(owner, project, "Secret", ""","labels":["bug"]""");

        var viewerCreates = await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", viewer, Json("""{"name":"x"}"""));
        var viewerRenames = await SendAsync(HttpMethod.Patch, $"/api/v2/labels/{label}", viewer, Json("""{"name":"y"}"""));
        var viewerLabelsTask = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", viewer, Json("""{"labels":["new"]}"""));
        var strangerLists = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{project}/labels", stranger);
        var strangerReads = await SendAsync(HttpMethod.Get, $"/api/v2/labels/{label}", stranger);
        var strangerDeletes = await SendAsync(HttpMethod.Delete, $"/api/v2/labels/{label}", stranger);
        var strangerFilters = (await GetAsync(stranger, "/api/v2/tasks?label=bug"))["tasks"]!.AsArray();
        var labels = (await GetAsync(owner, $"/api/v2/projects/{project}/labels"))["labels"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That((viewerCreates.StatusCode, viewerRenames.StatusCode, viewerLabelsTask.StatusCode),
                Is.EqualTo((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)));
            Assert.That((strangerLists.StatusCode, strangerReads.StatusCode, strangerDeletes.StatusCode),
                Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
            Assert.That(strangerFilters, Is.Empty);
            Assert.That(labels.Select(l => l!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "bug" }), "a refused write created no label");
        });
    }

    [TestCase("""{"name":""}""", "name")]
    [TestCase("""{"name":"a,b"}""", "name")]
    [TestCase("""{"name":"ok","color":"red"}""", "color")]
    public async Task A_bad_label_is_a_400_naming_the_field(string body, string field)
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", owner, Json(body)),
            HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain(field));
    }

    [Test]
    public async Task A_label_patch_is_held_to_the_create_s_rules()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var label = (await ReadJsonAsync(await SendAsync(HttpMethod.Post, $"/api/v2/projects/{project}/labels", owner, Json("""{"name":"bug"}"""))))["id"];

        async Task<string> ErrorAsync(string patch, string field) =>
            (await AssertProblemAsync(await SendAsync(HttpMethod.Patch, $"/api/v2/labels/{label}", owner, Json(patch)), HttpStatusCode.BadRequest))
                ["errors"]![field]![0]!.GetValue<string>();

        Assert.Multiple(async () =>
        {
            Assert.That(await ErrorAsync("""{"name":"a;b"}""", "name"), Is.EqualTo("A label name must not contain ',', ';' or control characters."));
            Assert.That(await ErrorAsync("""{"name":7}""", "name"), Is.EqualTo("A label name must not be empty."));
            Assert.That(await ErrorAsync("""{"color":"red"}""", "color"), Is.EqualTo("color must be #rrggbb (six hex digits) or null."));
            Assert.That(await ErrorAsync("""{"name":"\ud800"}""", "name"), Does.Contain("lone surrogate"));
        });
    }

    [Test]
    public async Task A_task_with_a_label_name_too_long_is_a_400_naming_labels()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var name = new string('x', 51);

        var created = await SendAsync(HttpMethod.Post, "/api/v2/tasks", owner,
            Json($$"""{"task_name":"T","priority":"LOW","project_id":{{project}},"labels":["{{name}}"]}"""));
        var problem = await AssertProblemAsync(created, HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain("labels"));
    }

    [Test]
    public async Task Labels_travel_through_csv_an_export_names_them_and_an_import_creates_what_its_project_lacks()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        await CreateTaskInAsync(owner, project, "Exported", ""","labels":["ui","Bug"]""");
        const string csv = "task_name,priority,labels\nImported,LOW,bug; docs\nPlain,LOW,\nBad,LOW,\"a,b\"\n";

        var export = await (await SendAsync(HttpMethod.Get, $"/api/v2/tasks/export?project_id={project}", owner)).Content.ReadAsStringAsync();
        var upload = await CsvUploads.UploadAsync(Client, owner, CsvUploads.Form(csv), query: $"?project_id={project}", path: "/api/v2/imports");
        var done = await CsvUploads.FinishedAsync(Client, owner, (await ReadJsonAsync(upload))["import_id"]!.GetValue<string>());
        var imported = (await GetAsync(owner, $"/api/v2/tasks?project_id={project}&label=docs"))["tasks"]!.AsArray();
        var labels = (await GetAsync(owner, $"/api/v2/projects/{project}/labels"))["labels"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That(export.Split('\n')[0].TrimEnd('\r'), Does.EndWith(",labels"));
            Assert.That(export, Does.Contain("Bug;ui"));
            Assert.That(imported.Select(t => t!["task_name"]!.GetValue<string>()), Is.EqualTo(new[] { "Imported" }));
            Assert.That(Names(imported[0]!["labels"]), Is.EqualTo(new[] { "Bug", "docs" }), "bug is the project's Bug");
            Assert.That(labels.Select(l => l!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "Bug", "docs", "ui" }));
            Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"), "a,b is not a label name: the row fails");
        });
    }

    [TestCase("it's")]
    [TestCase("$l$ dollar")]
    [TestCase("back\\slash")]
    public async Task A_label_with_quotes_dollars_or_backslashes_is_found_by_the_filter(string name)
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner);
        var task = await CreateTaskInAsync(owner, project, "Odd", $$""","labels":[{{System.Text.Json.JsonSerializer.Serialize(name)}}]""");

        var found = (await GetAsync(owner, $"/api/v2/tasks?project_id={project}&label={Uri.EscapeDataString(name.ToUpperInvariant())}"))["tasks"]!.AsArray();

        Assert.That(found.Select(t => t!["id"]!.GetValue<long>()), Is.EqualTo(new[] { task }));
    }
}
