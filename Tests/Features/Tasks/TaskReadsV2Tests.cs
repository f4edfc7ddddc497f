using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>v2's reads beside the task itself: its history, its audit trail, the audit feed, the log and the export.</summary>
public sealed class TaskReadsV2Tests : ApiTest
{
    [Test]
    public async Task A_tasks_history_lists_its_log_rows_newest_first_page_by_page()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, """{"task_name":"T","priority":"LOW"}""");
        await Sql.ExecuteAsync(App.ConnectionString, $"INSERT INTO task_logger (task_id, log_date, status, priority) VALUES ({id}, DATE '2025-04-01', true, 'HIGH'), ({id}, DATE '2025-04-02', true, 'MEDIUM')");

        var first = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{id}/history?limit=2", token));
        var second = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{id}/history?limit=2&cursor={Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>())}", token));
        var missing = await SendAsync(HttpMethod.Get, "/api/v2/tasks/999999/history", token);

        Assert.Multiple(async () =>
        {
            Assert.That(Dates(first), Is.EqualTo(new[] { DateTime.UtcNow.ToString("yyyy-MM-dd"), "2025-04-02" }));
            Assert.That(Dates(second), Is.EqualTo(new[] { "2025-04-01" }));
            Assert.That(second["next_cursor"], Is.Null);
            await AssertProblemAsync(missing, HttpStatusCode.NotFound);
        });
    }

    [Test]
    public async Task The_audit_feed_lists_every_change_in_recorded_order_with_ids_for_managers_only()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, """{"task_name":"T","priority":"LOW"}""");
        await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", token, new StringContent("""{"priority":"HIGH"}""", System.Text.Encoding.UTF8, "application/json"));
        await TestDatabase.DrainAsync(App.ConnectionString, required: TimeSpan.FromSeconds(30));
        var manager = TestTokens.For(1, "alice", ["user", "manager"]);

        var feed = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/audit?limit=1", manager));
        var rest = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/audit?limit=1&cursor={Uri.EscapeDataString(feed["next_cursor"]!.GetValue<string>())}", manager));
        var trail = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{id}/audit", manager));
        var forbidden = await SendAsync(HttpMethod.Get, "/api/v2/audit", token);
        var future = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/audit?since=2999-01-01T00:00:00Z", manager));

        Assert.Multiple(async () =>
        {
            Assert.That(feed["entries"]![0]!["action"]!.GetValue<string>(), Is.EqualTo("created"));
            Assert.That(feed["entries"]![0]!["task_id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(rest["entries"]![0]!["action"]!.GetValue<string>(), Is.EqualTo("updated"));
            Assert.That(rest["entries"]![0]!["id"]!.GetValue<long>(), Is.GreaterThan(feed["entries"]![0]!["id"]!.GetValue<long>()));
            Assert.That(trail["entries"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "created", "updated" }));
            Assert.That(future["entries"]!.AsArray(), Is.Empty);
            await AssertProblemAsync(forbidden, HttpStatusCode.Forbidden);
        });
    }

    [Test]
    public async Task The_v2_log_pages_by_cursor_in_v1s_order_and_reads_one_entry()
    {
        var (_, token) = await SignUpAsync("alice");
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(token, $$"""{"task_name":"T{{i}}","priority":"LOW"}""");
        }
        var v1 = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token)))["tasks"]!.AsArray().Select(e => e!["id"]!.GetValue<long>()).ToList();
        var first = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/task-log?limit=2", token));
        var second = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/task-log?limit=2&cursor={Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>())}", token));
        var entry = await SendAsync(HttpMethod.Get, $"/api/v2/task-log/{v1[0]}", token);
        var badDate = await SendAsync(HttpMethod.Get, "/api/v2/task-log?date=yesterday", token);
        var cursor = Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>());
        var foreign = await SendAsync(HttpMethod.Get, $"/api/v2/task-log?limit=2&status=true&cursor={cursor}", token);
        var badDateAndCursor = await SendAsync(HttpMethod.Get, $"/api/v2/task-log?date=yesterday&status=true&cursor={cursor}", token);

        Assert.Multiple(async () =>
        {
            Assert.That(first["entries"]!.AsArray().Concat(second["entries"]!.AsArray()).Select(e => e!["id"]!.GetValue<long>()), Is.EqualTo(v1));
            Assert.That(entry.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertProblemAsync(badDate, HttpStatusCode.BadRequest);
            Assert.That((await AssertProblemAsync(foreign, HttpStatusCode.BadRequest))["errors"]!["cursor"]![0]!.GetValue<string>(),
                Is.EqualTo("cursor is not one this list gave for this query."), "a cursor is bound to its query's filters");
            Assert.That((await AssertProblemAsync(badDateAndCursor, HttpStatusCode.BadRequest))["errors"]!.AsObject().Select(e => e.Key),
                Is.EqualTo(new[] { "date" }), "a bad filter is reported alone");
        });
    }

    [Test]
    public async Task The_export_streams_the_lists_tasks_as_importable_CSV_with_formulas_neutralised()
    {
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"=SUM(A1)","description":"line one\nline two","priority":"HIGH","due_date":"2025-05-01","done":true}""");
        await CreateAsync(token, """{"task_name":"Low one","priority":"LOW"}""");

        var response = await SendAsync(HttpMethod.Get, "/api/v2/tasks/export?priority=HIGH", token);
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(csv, Does.StartWith("id,task_name,description,status,priority,created_at,assigned_user,due_date,done"));
            Assert.That(csv, Does.Contain("'=SUM(A1),\"line one\nline two\",TRUE,HIGH,"));
            Assert.That(csv, Does.Contain(",alice,2025-05-01,TRUE"));
            Assert.That(csv, Does.Not.Contain("Low one"));
        });
    }

    private static IEnumerable<string> Dates(JsonObject page) => page["entries"]!.AsArray().Select(e => e!["log_date"]!.GetValue<string>());

    private async Task<long> CreateAsync(string token, string json)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
