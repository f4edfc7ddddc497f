using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

/// <summary>v2's imports: the upload answers the import itself, a user lists their own imports by cursor, and a file
/// that GET /api/v2/tasks/export wrote imports back as the same tasks.</summary>
public sealed class ImportsV2Tests : ApiTest
{
    [Test]
    public async Task An_upload_answers_the_import_with_its_location_and_the_file_lands_with_due_dates_and_done()
    {
        var (_, token) = await SignUpAsync("uploader");
        const string csv = "id,task_name,priority,due_date,done,description\n"
                         + "99,Ship,HIGH,2026-12-24,TRUE,\n"
                         + "100,Plan,LOW,1/5/2027,,notes\n"
                         + "101,Broken,LOW,someday,maybe,\n";

        var response = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form(csv), path: "/api/v2/imports");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var import = await ReadJsonAsync(response);
        var id = import["import_id"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/imports/{id}"));
            Assert.That(import["status"]!.GetValue<string>(), Is.EqualTo("queued"));
            Assert.That(import["file_name"]!.GetValue<string>(), Is.EqualTo("tasks.csv"));
        });
        var done = await CsvUploads.FinishedAsync(Client, token, id);
        var tasks = await ListAsync(token, "/api/v2/tasks?sort=task_name");

        Assert.Multiple(() =>
        {
            Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"));
            Assert.That(done["errors"]!.AsArray().Select(e => $"{e!["row"]}|{e["column"]}|{e["code"]}"),
                Is.EqualTo(new[] { "3|done|invalid_done", "3|due_date|invalid_date" }));
            Assert.That(tasks.Select(t => $"{t!["task_name"]}|{t["due_date"]}|{t["done"]}|{t["completed_at"] is not null}"),
                Is.EqualTo(new[] { "Plan|2027-01-05|false|False", "Ship|2026-12-24|true|True" }));
            // The file's id column names nothing here: the tasks are new.
            Assert.That(tasks.Select(t => t!["id"]!.GetValue<long>()), Has.None.AnyOf(99L, 100L));
        });
    }

    [Test]
    public async Task A_user_lists_their_own_imports_newest_first_by_cursor_and_an_admin_lists_everyones()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var (_, admin) = await SignUpAdminAsync();
        var ids = new List<string>();
        foreach (var name in new[] { "a1.csv", "a2.csv", "a3.csv" })
        {
            var accepted = await CsvUploads.UploadAsync(Client, alice, CsvUploads.Form("task_name,priority\nT,LOW\n", name), path: "/api/v2/imports");
            ids.Add((await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>());
            await CsvUploads.FinishedAsync(Client, alice, ids[^1]);
        }
        var bobs = await CsvUploads.UploadAsync(Client, bob, CsvUploads.Form("task_name,priority\nT,LOW\n", "b.csv"), path: "/api/v2/imports");
        Assert.That(bobs.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var first = await SendAsync(HttpMethod.Get, "/api/v2/imports?limit=2", alice);
        var firstPage = await ReadJsonAsync(first);
        var cursor = firstPage["next_cursor"]!.GetValue<string>();
        var second = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports?limit=2&cursor={Uri.EscapeDataString(cursor)}", alice));
        var bobsCursor = await SendAsync(HttpMethod.Get, $"/api/v2/imports?cursor={Uri.EscapeDataString(cursor)}", bob);
        var everyone = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/imports", admin));

        Assert.Multiple(async () =>
        {
            Assert.That(first.Headers.GetValues("Link").Single(), Does.Contain("rel=\"next\""));
            Assert.That(Ids(firstPage).Concat(Ids(second)), Is.EqualTo(new[] { ids[2], ids[1], ids[0] }));
            Assert.That(second["next_cursor"], Is.Null);
            Assert.That(firstPage["imports"]![0]!["tasks_created"]!.GetValue<long>(), Is.EqualTo(1));
            // A cursor is its owner's: in another user's list it is a 400, never their rows.
            await AssertProblemAsync(bobsCursor, HttpStatusCode.BadRequest);
            Assert.That(Ids(everyone), Has.Length.EqualTo(4));
        });
    }

    [Test]
    public async Task An_import_and_its_errors_are_read_under_v2_by_the_uploader_only()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, bob) = await SignUpAsync("bob");
        var accepted = await CsvUploads.UploadAsync(Client, alice, CsvUploads.Form("task_name,priority\nT,URGENT\n"), path: "/api/v2/imports");
        var id = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        await CsvUploads.FinishedAsync(Client, alice, id);

        var errors = await SendAsync(HttpMethod.Get, $"/api/v2/imports/{id}/errors", alice);
        Assert.Multiple(async () =>
        {
            Assert.That((await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports/{id}", alice)))["rows_failed"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(errors.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(await errors.Content.ReadAsStringAsync(), Does.Contain("priority,invalid_priority"));
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports/{id}", bob), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports/{id}/errors", bob), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports/{Guid.NewGuid()}", alice), HttpStatusCode.NotFound);
        });
    }

    [Test]
    public async Task An_exported_file_imports_again_as_the_same_tasks()
    {
        var (bobId, _) = await SignUpAsync("-bob");
        var (_, token) = await SignUpAsync("alice");
        await CreateV2Async(token, $$"""{"task_name":"=cmd|'/c calc'!A1","priority":"HIGH","description":"with, comma\nand line","due_date":"2026-12-24","done":true,"assigned_user_id":{{bobId}}}""");
        await CreateV2Async(token, """{"task_name":"Plain","priority":"LOW"}""");
        var before = await ListAsync(token, "/api/v2/tasks?sort=task_name");
        var export = await (await SendAsync(HttpMethod.Get, "/api/v2/tasks/export?sort=task_name", token)).Content.ReadAsStringAsync();

        var accepted = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form(export, "export.csv"), path: "/api/v2/imports");
        var import = await CsvUploads.FinishedAsync(Client, token, (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>());
        var after = await ListAsync(token, "/api/v2/tasks?sort=task_name");
        var imported = after.Where(t => before.All(b => b!["id"]!.GetValue<long>() != t!["id"]!.GetValue<long>())).ToList();

        static string Fields(JsonNode? t) =>
            $"{t!["task_name"]}|{t["description"]}|{t["priority"]}|{t["due_date"]}|{t["done"]}|{t["assigned_user"]}|{t["created_at"]!.GetValue<DateTime>():yyyy-MM-dd}";
        Assert.Multiple(() =>
        {
            Assert.That(import["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), import.ToJsonString());
            // A formula-like name or description comes back with the apostrophe that neutralised it; every other field,
            // the assignee "-bob" among them, is the same.
            Assert.That(imported.Select(Fields).Order(StringComparer.Ordinal),
                Is.EqualTo(before.Select(Fields).Select(f => f.StartsWith('=') ? "'" + f : f).Order(StringComparer.Ordinal)));
        });
    }

    private async Task CreateV2Async(string token, string json)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonArray> ListAsync(string token, string url) => (await ReadJsonAsync(await SendAsync(HttpMethod.Get, url, token)))["tasks"]!.AsArray();

    private static string[] Ids(JsonObject page) => page["imports"]!.AsArray().Select(i => i!["import_id"]!.GetValue<string>()).ToArray();
}
