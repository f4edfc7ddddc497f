using System.Net;
using System.Text.Json.Nodes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Features.TaskLog.TakeSnapshot;
using TaskManager.Features.Tasks;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.TaskLog;

public sealed class ListTaskLogTests : ApiTest
{
    private const string InvalidDate = "Invalid date format. Use YYYY-MM-DD";

    // The log of History(), newest date first, then id descending ("today" is the UTC date of the run).
    private const string Everything =
        "today Gamma, today Beta, today Alpha, 2025-04-03 Beta, 2025-04-02 Gamma, 2025-04-02 Alpha, " +
        "2025-04-01 Alpha, 2025-04-01 Beta, 2025-03-31 Alpha";

    [Test]
    public async Task The_log_lists_newest_date_first_then_id_descending_with_each_tasks_live_fields()
    {
        var history = await HistoryAsync();

        var response = await SendAsync(HttpMethod.Get, "/api/tasks", history.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var page = await ReadJsonAsync(response);
        var entries = page["tasks"]!.AsArray();
        var bobsOldEntry = entries.Single(e => e!["log_date"]!.GetValue<string>() == "2025-04-01" && e["task_name"]!.GetValue<string>() == "Beta")!;
        Assert.Multiple(() =>
        {
            Assert.That(Describe(page, history.Today), Is.EqualTo(Everything));
            Assert.That(entries.Select(e => e!["id"]!.GetValue<long>()), Is.Unique);
            Assert.That(page["total"]!.GetValue<long>(), Is.EqualTo(9));
            Assert.That(page["pages"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(page["current_page"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(page["per_page"]!.GetValue<int>(), Is.EqualTo(10), "the default page size");
            Assert.That(bobsOldEntry["task_id"]!.GetValue<long>(), Is.EqualTo(history.Beta));
            Assert.That(bobsOldEntry["status"]!.GetValue<bool>(), Is.False, "that day's status, not today's");
            Assert.That(bobsOldEntry["priority"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(bobsOldEntry["description"]!.GetValue<string>(), Is.EqualTo("Second"));
            Assert.That(bobsOldEntry["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(history.BobId));
            Assert.That(bobsOldEntry["assigned_user"]!.GetValue<string>(), Is.EqualTo("bob"));
        });
    }

    [TestCase("date=2025-04-02", "2025-04-02 Gamma, 2025-04-02 Alpha", TestName = "Filtering_by_date_lists_that_days_entries_only")]
    [TestCase("from=2025-04-01&to=2025-04-02", "2025-04-02 Gamma, 2025-04-02 Alpha, 2025-04-01 Alpha, 2025-04-01 Beta",
        TestName = "A_date_range_includes_both_ends")]
    [TestCase("to=2025-04-01", "2025-04-01 Alpha, 2025-04-01 Beta, 2025-03-31 Alpha", TestName = "A_range_may_be_open_at_the_start")]
    [TestCase("status=false", "today Gamma, 2025-04-01 Beta", TestName = "Filtering_by_status_uses_each_days_status")]
    [TestCase("priority=high", "today Beta, 2025-04-03 Beta, 2025-04-02 Alpha, 2025-04-01 Beta",
        TestName = "Filtering_by_priority_is_case_insensitive_and_uses_each_days_priority")]
    [TestCase("assigned_user_id={bob}", "today Gamma, today Beta, 2025-04-03 Beta, 2025-04-02 Gamma, 2025-04-01 Beta",
        TestName = "Filtering_by_assignee_lists_the_entries_of_their_tasks")]
    [TestCase("task_id={alpha}", "today Alpha, 2025-04-02 Alpha, 2025-04-01 Alpha, 2025-03-31 Alpha",
        TestName = "Filtering_by_task_lists_its_history")]
    [TestCase("task_id={alpha}&from=2025-04-01&to=2025-04-02&priority=MEDIUM", "2025-04-01 Alpha", TestName = "Filters_combine")]
    public async Task Filters_narrow_the_list_and_its_total(string query, string expected)
    {
        var history = await HistoryAsync();
        var url = "/api/tasks?per_page=100&" + query.Replace("{bob}", $"{history.BobId}").Replace("{alpha}", $"{history.Alpha}");

        var response = await SendAsync(HttpMethod.Get, url, history.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var page = await ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(Describe(page, history.Today), Is.EqualTo(expected));
            Assert.That(page["total"]!.GetValue<long>(), Is.EqualTo(expected.Split(", ").Length));
        });
    }

    [Test]
    public async Task Pages_split_the_list_without_gaps_or_overlaps()
    {
        var history = await HistoryAsync();

        var pages = new List<JsonObject>();
        for (var number = 1; number <= 3; number++)
        {
            pages.Add(await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?page={number}&per_page=4", history.Token)));
        }

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(", ", pages.Select(p => Describe(p, history.Today))), Is.EqualTo(Everything));
            Assert.That(pages.Select(p => p["tasks"]!.AsArray().Count), Is.EqualTo(new[] { 4, 4, 1 }));
            Assert.That(pages.Select(p => p["current_page"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(pages.Select(p => p["pages"]!.GetValue<int>()), Is.All.EqualTo(3));
            Assert.That(pages.Select(p => p["total"]!.GetValue<long>()), Is.All.EqualTo(9));
            Assert.That(pages.Select(p => p["per_page"]!.GetValue<int>()), Is.All.EqualTo(4));
        });
    }

    [Test]
    public async Task A_page_past_the_end_is_empty_with_the_right_total()
    {
        var history = await HistoryAsync();

        var response = await SendAsync(HttpMethod.Get, "/api/tasks?page=4&per_page=4", history.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var page = await ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(page["tasks"]!.AsArray(), Is.Empty);
            Assert.That(page["total"]!.GetValue<long>(), Is.EqualTo(9));
            Assert.That(page["pages"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(page["current_page"]!.GetValue<int>(), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task A_filtered_list_pages_over_the_matching_entries_only()
    {
        var history = await HistoryAsync();

        var page = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks?priority=HIGH&page=2&per_page=3", history.Token));

        Assert.Multiple(() =>
        {
            Assert.That(Describe(page, history.Today), Is.EqualTo("2025-04-01 Beta"));
            Assert.That(page["total"]!.GetValue<long>(), Is.EqualTo(4));
            Assert.That(page["pages"]!.GetValue<int>(), Is.EqualTo(2));
        });
    }

    [TestCase("per_page=0")]
    [TestCase("per_page=101")]
    [TestCase("page=0")]
    public async Task Paging_outside_its_limits_is_400(string query)
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?{query}", token), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]?[query.Split('=')[0]], Is.Not.Null, problem.ToJsonString());
    }

    [TestCase("date=2025-13-01")]
    [TestCase("date=01/04/2025")]
    [TestCase("date=abc")]
    [TestCase("from=2025-02-30")]
    [TestCase("to=2025-4-1")]
    public async Task A_bad_date_is_400_with_the_documented_message(string query)
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?{query}", token), HttpStatusCode.BadRequest);

        Assert.Multiple(() =>
        {
            Assert.That(problem["message"]!.GetValue<string>(), Is.EqualTo(InvalidDate));
            Assert.That(problem["errors"]?[query.Split('=')[0]]?[0]?.GetValue<string>(), Is.EqualTo(InvalidDate));
        });
    }

    [Test]
    public async Task A_range_that_ends_before_it_starts_is_400()
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/tasks?from=2025-04-02&to=2025-04-01", token),
            HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]?["to"], Is.Not.Null, problem.ToJsonString());
    }

    [TestCase("status=maybe", "status")]
    [TestCase("priority=urgent", "priority")]
    public async Task An_unknown_status_or_priority_filter_is_400(string query, string field)
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?{query}", token), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]?[field], Is.Not.Null, problem.ToJsonString());
    }

    [Test]
    public async Task A_change_shows_in_the_list_at_once()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateTaskIdAsync(token, """{"task_name":"Plan","priority":"LOW"}""");
        var before = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token));

        var updated = await SendAsync(HttpMethod.Put, $"/api/task/{id}", token, Json("""{"task_name":"Plan B","priority":"HIGH"}"""));
        var after = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token));

        Assert.Multiple(() =>
        {
            Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(before["tasks"]![0]!["priority"]!.GetValue<string>(), Is.EqualTo("LOW"));
            Assert.That(after["tasks"]![0]!["priority"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(after["tasks"]![0]!["task_name"]!.GetValue<string>(), Is.EqualTo("Plan B"));
            Assert.That(after["total"]!.GetValue<long>(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Reading_the_log_without_a_token_is_401()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token: null), HttpStatusCode.Unauthorized);
    }

    private sealed record History(string Token, long BobId, long Alpha, long Beta, long Gamma, string Today);

    /// <summary>Three tasks made through the API today (Gamma then deleted), plus older days written
    /// directly, inserted out of date order so that id order and date order differ.</summary>
    private async Task<History> HistoryAsync()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var alpha = await CreateTaskIdAsync(alice, """{"task_name":"Alpha","description":"First","priority":"LOW"}""");
        var beta = await CreateTaskIdAsync(alice, $$"""{"task_name":"Beta","description":"Second","priority":"HIGH","assigned_user_id":{{bobId}}}""");
        var gamma = await CreateTaskIdAsync(alice, $$"""{"task_name":"Gamma","priority":"CRITICAL","assigned_user_id":{{bobId}}}""");
        Assert.That((await SendAsync(HttpMethod.Delete, $"/api/task/{gamma}", alice)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await Sql.ExecuteAsync(App.ConnectionString, """
            INSERT INTO task_logger (task_id, log_date, status, priority) VALUES
                (@beta, DATE '2025-04-03', true, 'HIGH'),
                (@alpha, DATE '2025-03-31', true, 'LOW'),
                (@alpha, DATE '2025-04-02', true, 'HIGH'),
                (@beta, DATE '2025-04-01', false, 'HIGH'),
                (@alpha, DATE '2025-04-01', true, 'MEDIUM'),
                (@gamma, DATE '2025-04-02', true, 'CRITICAL')
            """, ("alpha", alpha), ("beta", beta), ("gamma", gamma));
        // Written behind the service's back: drop what it may have cached of the log.
        await App.Services.GetRequiredService<TaskReadCache>().InvalidateAsync();

        var today = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT ((now() AT TIME ZONE 'utc')::date)::text");
        return new History(alice, bobId, alpha, beta, gamma, today);
    }

    [TestCase("", "")]
    [TestCase("&from=2025-03-02&to=2025-03-05", "log_date BETWEEN DATE '2025-03-02' AND DATE '2025-03-05'")]
    [TestCase("&date=2025-03-03", "log_date = DATE '2025-03-03'")]
    [TestCase("&status=false", "NOT status")]
    [TestCase("&priority=high", "priority = 'HIGH'")]
    [TestCase("&status=true&priority=LOW&to=2025-03-04", "status AND priority = 'LOW' AND log_date <= DATE '2025-03-04'")]
    public async Task Every_page_is_exactly_the_rows_an_offset_over_the_whole_log_gives(string filter, string condition)
    {
        var (_, alice) = await SignUpAsync("alice");
        var tasks = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            tasks.Add(await CreateTaskIdAsync(alice, $$"""{"task_name":"T{{i}}","priority":"LOW"}"""));
        }
        // Dates with 0 to 7 rows of mixed status and priority, written out of id order.
        await Sql.ExecuteAsync(App.ConnectionString, """
            INSERT INTO task_logger (task_id, log_date, status, priority)
            SELECT t, DATE '2025-03-01' + d, (t + d) % 4 <> 0, (ARRAY['LOW','MEDIUM','HIGH','CRITICAL'])[(t * d) % 4 + 1]
            FROM unnest(@tasks) AS t, generate_series(5, 0, -1) AS d
            WHERE (t + d) % 3 <> 0
            """, ("tasks", tasks.ToArray()));
        // Today's rows change status and priority through the service, and one task's history goes with it.
        Assert.That((await SendAsync(HttpMethod.Put, $"/api/task/{tasks[0]}", alice, Json("""{"priority":"HIGH"}"""))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(HttpMethod.Delete, $"/api/task/{tasks[1]}", alice)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Sql.ExecuteAsync(App.ConnectionString, "DELETE FROM task_logger WHERE task_id = @id AND log_date < DATE '2025-03-04'", ("id", tasks[2]));
        await App.Services.GetRequiredService<TaskReadCache>().InvalidateAsync();
        var expected = (await Sql.ScalarAsync<string?>(App.ConnectionString,
            $"SELECT string_agg(id::text, ',' ORDER BY log_date DESC, id DESC) FROM task_logger {(condition == "" ? "" : "WHERE " + condition)}"))?.Split(',') ?? [];
        Assert.That(expected, Is.Not.Empty);

        var listed = new List<string>();
        for (var page = 1; page <= expected.Length / 4 + 2; page++)
        {
            var body = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/tasks?per_page=4&page={page}{filter}", alice));
            listed.AddRange(body["tasks"]!.AsArray().Select(e => e!["id"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(body["total"]!.GetValue<long>(), Is.EqualTo(expected.Length));
        }

        Assert.That(listed, Is.EqualTo(expected));
    }

    [Test]
    public async Task The_logs_counts_match_its_rows_after_every_kind_of_write()
    {
        var (_, alice) = await SignUpAsync("alice");
        var a = await CreateTaskIdAsync(alice, """{"task_name":"A","priority":"LOW"}""");
        var b = await CreateTaskIdAsync(alice, """{"task_name":"B","priority":"MEDIUM"}""");
        await SendAsync(HttpMethod.Put, $"/api/task/{a}", alice, Json("""{"priority":"CRITICAL"}"""));
        await SendAsync(HttpMethod.Put, $"/api/task/{a}", alice, Json("""{"task_name":"A2"}"""));
        await SendAsync(HttpMethod.Delete, $"/api/task/{b}", alice);
        await Sql.ExecuteAsync(App.ConnectionString,
            "INSERT INTO task_logger (task_id, log_date, status, priority) VALUES (@a, DATE '2025-01-01', true, 'LOW'), (@b, DATE '2025-01-01', true, 'LOW')",
            ("a", a), ("b", b));
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE task_logger SET priority = 'HIGH', status = false WHERE log_date = DATE '2025-01-01'");
        await Sql.ExecuteAsync(App.ConnectionString, "DELETE FROM task_logger WHERE task_id = @b AND log_date = DATE '2025-01-01'", ("b", b));

        Assert.That(await CountDriftAsync(), Is.Zero, "(date, status, priority) groups whose count differs from the log's rows");

        // Writes from many transactions spread a day's counts over slots; the next day's snapshot folds them into one.
        var writes = Enumerable.Range(0, 12).Select(i => SendAsync(HttpMethod.Post, "/api/task", alice, Json($$"""{"task_name":"W{{i}}","priority":"HIGH"}""")));
        await Task.WhenAll(writes);
        var slotsBefore = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(DISTINCT slot) FROM task_log_counts WHERE log_date = (now() AT TIME ZONE 'utc')::date");
        await using (var scope = App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new TakeSnapshotCommand(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1)));
        }
        var slotsLeft = await Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT count(*) FROM task_log_counts WHERE log_date <= (now() AT TIME ZONE 'utc')::date AND slot <> 0");
        var driftAfter = await CountDriftAsync();
        Assert.Multiple(() =>
        {
            Assert.That(slotsBefore, Is.GreaterThan(1), "concurrent writes used more than one slot");
            Assert.That(slotsLeft, Is.Zero, "the days before the snapshot hold one slot");
            Assert.That(driftAfter, Is.Zero, "the counts still match the log's rows");
        });
    }

    private Task<long> CountDriftAsync() => Sql.ScalarAsync<long>(App.ConnectionString, """
        SELECT count(*) FROM (
            SELECT log_date, status, priority, count(*) AS entries FROM task_logger GROUP BY 1, 2, 3
        ) actual FULL JOIN (
            SELECT log_date, status, priority, sum(entries) AS entries FROM task_log_counts GROUP BY 1, 2, 3 HAVING sum(entries) <> 0
        ) kept USING (log_date, status, priority)
        WHERE actual.entries IS DISTINCT FROM kept.entries
        """);

    /// <summary>A page as "date name, ..." with today's date written "today".</summary>
    private static string Describe(JsonObject page, string today) => string.Join(", ", page["tasks"]!.AsArray().Select(e =>
    {
        var date = e!["log_date"]!.GetValue<string>();
        return $"{(date == today ? "today" : date)} {e["task_name"]!.GetValue<string>()}";
    }));

    private async Task<long> CreateTaskIdAsync(string token, string json) => (await CreateTaskAsync(token, json))["id"]!.GetValue<long>();
}
