using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>GET /api/v2/tasks: filters, search, sort and cursor paging over current tasks.</summary>
public sealed class ListTasksTests : ApiTest
{
    [Test]
    public async Task Paging_by_cursor_visits_every_task_once_in_order_and_the_Link_header_leads_on()
    {
        var (_, token) = await SignUpAsync("alice");
        for (var i = 1; i <= 7; i++)
        {
            await CreateAsync(token, $$"""{"task_name":"T{{i}}","priority":"LOW","due_date":{{(i % 3 == 0 ? "null" : $"\"2025-05-0{i}\"")}}}""");
        }
        var names = new List<string>();
        string? url = "/api/v2/tasks?sort=due_date&limit=3";
        var pages = 0;
        while (url is not null)
        {
            var response = await SendAsync(HttpMethod.Get, url, token);
            var body = await ReadJsonAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
            names.AddRange(body["tasks"]!.AsArray().Select(t => t!["task_name"]!.GetValue<string>()));
            url = response.Headers.TryGetValues("Link", out var link) ? link.Single().Split('>')[0].TrimStart('<') : null;
            Assert.That(url is null, Is.EqualTo(body["next_cursor"] is null));
            pages++;
        }

        Assert.Multiple(() =>
        {
            Assert.That(pages, Is.EqualTo(3));
            Assert.That(names, Is.EqualTo(new[] { "T1", "T2", "T4", "T5", "T7", "T3", "T6" }), "due dates ascending, then those without, by id");
        });
    }

    [Test]
    public async Task Descending_due_dates_still_put_tasks_without_one_last()
    {
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"none","priority":"LOW"}""");
        await CreateAsync(token, """{"task_name":"early","priority":"LOW","due_date":"2025-01-01"}""");
        await CreateAsync(token, """{"task_name":"late","priority":"LOW","due_date":"2025-12-01"}""");

        Assert.That(await NamesAsync(token, "sort=-due_date&limit=1", all: true), Is.EqualTo(new[] { "late", "early", "none" }));
    }

    [Test]
    public async Task Search_finds_tasks_by_any_word_of_the_name_or_description()
    {
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"Quarterly report","priority":"LOW"}""");
        await CreateAsync(token, """{"task_name":"Plan","description":"the quarterly offsite","priority":"LOW"}""");
        await CreateAsync(token, """{"task_name":"Groceries","priority":"LOW"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(await NamesAsync(token, "q=quarterly"), Is.EquivalentTo(new[] { "Quarterly report", "Plan" }));
            Assert.That(await NamesAsync(token, "q=report"), Is.EqualTo(new[] { "Quarterly report" }));
            Assert.That(await NamesAsync(token, "q=nothing"), Is.Empty);
        });
    }

    [Test]
    public async Task Search_ranks_tasks_named_by_the_word_above_those_that_mention_it_in_a_description()
    {
        var (_, token) = await SignUpAsync("alice");
        var filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 333));
        await CreateAsync(token, """{"task_name":"Zebra migration","priority":"LOW"}""");
        await CreateAsync(token, $$"""{"task_name":"Zebra handbook","description":"{{filler}}","priority":"LOW"}""");
        await CreateAsync(token, """{"task_name":"Plan","description":"move the zebra","priority":"LOW"}""");
        // Created last, so it would lead wherever ranks tie.
        await CreateAsync(token, $$"""{"task_name":"Notes","description":"{{filler}}zebra","priority":"LOW"}""");

        Assert.That(await NamesAsync(token, "q=zebra"), Is.EqualTo(new[] { "Zebra migration", "Zebra handbook", "Plan", "Notes" }),
            "a name's match first (shorter tasks first among equals), then a description's");
    }

    [Test]
    public async Task The_search_index_takes_each_change_at_once_so_searches_do_not_slow_as_tasks_change()
    {
        // With GIN's default pending list, every search scans the entries of recent writes until a vacuum merges them.
        var options = await Sql.ScalarAsync<string[]>(App.ConnectionString, "SELECT reloptions FROM pg_class WHERE relname = 'ix_tasks_search'");

        Assert.That(options, Does.Contain("fastupdate=off"));
    }

    [Test]
    public async Task Filters_combine_and_deleted_tasks_are_left_out_unless_asked_for()
    {
        var (bobId, _) = await SignUpAsync("bob");
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"mine high","priority":"HIGH"}""");
        await CreateAsync(token, $$"""{"task_name":"bobs critical","priority":"CRITICAL","assigned_user_id":{{bobId}}}""");
        await CreateAsync(token, """{"task_name":"overdue","priority":"LOW","due_date":"2020-01-01"}""");
        await CreateAsync(token, """{"task_name":"done late","priority":"LOW","due_date":"2020-01-01","done":true}""");
        var gone = await CreateAsync(token, """{"task_name":"gone","priority":"LOW"}""");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{gone}", token);

        Assert.Multiple(async () =>
        {
            Assert.That(await NamesAsync(token, "priority=high,critical&sort=task_name"), Is.EqualTo(new[] { "bobs critical", "mine high" }));
            Assert.That(await NamesAsync(token, $"assigned_user_id={bobId}"), Is.EqualTo(new[] { "bobs critical" }));
            Assert.That(await NamesAsync(token, "assigned_user_id=me&priority=HIGH"), Is.EqualTo(new[] { "mine high" }));
            Assert.That(await NamesAsync(token, "overdue=true"), Is.EqualTo(new[] { "overdue" }));
            Assert.That(await NamesAsync(token, "done=true"), Is.EqualTo(new[] { "done late" }));
            Assert.That(await NamesAsync(token, "due_before=2021-01-01&done=false"), Is.EqualTo(new[] { "overdue" }));
            Assert.That(await NamesAsync(token, "deleted=true"), Is.EqualTo(new[] { "gone" }));
            Assert.That(await NamesAsync(token, "deleted=any"), Has.Length.EqualTo(5));
            Assert.That(await NamesAsync(token, "sort=-priority&limit=1"), Is.EqualTo(new[] { "bobs critical" }));
        });
    }

    [Test]
    public async Task Every_change_shows_in_the_next_list_read()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, """{"task_name":"first","priority":"LOW"}""");
        var created = await NamesAsync(token, "sort=task_name");

        await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", token, Json("""{"task_name":"patched"}"""));
        var patched = await NamesAsync(token, "sort=task_name");
        await SendAsync(HttpMethod.Put, $"/api/task/{id}", token, Json("""{"task_name":"put through v1"}"""));
        var put = await NamesAsync(token, "sort=task_name");
        await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{id}", token);
        var deleted = await NamesAsync(token, "sort=task_name");
        await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{id}/restore", token);
        var restored = await NamesAsync(token, "sort=task_name");

        Assert.Multiple(() =>
        {
            Assert.That(created, Is.EqualTo(new[] { "first" }));
            Assert.That(patched, Is.EqualTo(new[] { "patched" }));
            Assert.That(put, Is.EqualTo(new[] { "put through v1" }));
            Assert.That(deleted, Is.Empty);
            Assert.That(restored, Is.EqualTo(new[] { "put through v1" }));
        });
    }

    [TestCase("sort=colour", "sort")]
    [TestCase("limit=0", "limit")]
    [TestCase("limit=101", "limit")]
    [TestCase("priority=URGENT", "priority")]
    [TestCase("done=maybe", "done")]
    [TestCase("due_before=tomorrow", "due_before")]
    [TestCase("assigned_user_id=bob", "assigned_user_id")]
    [TestCase("deleted=sometimes", "deleted")]
    [TestCase("updated_since=yesterday", "updated_since")]
    [TestCase("cursor=abc", "cursor")]
    public async Task A_bad_parameter_is_400_naming_it(string query, string field)
    {
        var (_, token) = await SignUpAsync("alice");
        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/v2/tasks?" + query, token), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().ContainsKey(field), Is.True, problem.ToJsonString());
    }

    [Test]
    public async Task A_cursor_used_with_another_query_or_altered_is_400()
    {
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"a","priority":"LOW"}""");
        await CreateAsync(token, """{"task_name":"b","priority":"LOW"}""");
        var cursor = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/tasks?limit=1", token)))["next_cursor"]!.GetValue<string>();
        var altered = cursor[..^2] + (cursor[^2] == 'A' ? "B" : "A") + cursor[^1];

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit=1&sort=task_name&cursor={cursor}", token), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit=1&cursor={altered}", token), HttpStatusCode.BadRequest);
        var same = await SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit=5&cursor={cursor}", token);
        Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.OK), "limit may change between pages");
    }

    [Test]
    public async Task A_search_whose_words_look_like_a_filter_is_a_query_of_its_own()
    {
        var (_, token) = await SignUpAsync("alice");
        await CreateAsync(token, """{"task_name":"a priorities high","priority":"HIGH"}""");
        await CreateAsync(token, """{"task_name":"a priorities high again","priority":"HIGH"}""");
        var words = Uri.EscapeDataString("a;Priorities=HIGH");
        var cursor = (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?limit=1&q={words}", token)))["next_cursor"];
        Assert.That(cursor, Is.Not.Null, "the search finds both tasks");

        var other = await SendAsync(HttpMethod.Get,
            $"/api/v2/tasks?limit=1&q=a&priority=HIGH&cursor={Uri.EscapeDataString(cursor!.GetValue<string>())}", token);

        await AssertProblemAsync(other, HttpStatusCode.BadRequest);
    }

    private async Task<long> CreateAsync(string token, string json)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<string[]> NamesAsync(string token, string query, bool all = false)
    {
        var names = new List<string>();
        var url = "/api/v2/tasks?" + query;
        do
        {
            var response = await SendAsync(HttpMethod.Get, url, token);
            var body = await ReadJsonAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
            names.AddRange(body["tasks"]!.AsArray().Select(t => t!["task_name"]!.GetValue<string>()));
            url = all && body["next_cursor"] is JsonValue next ? $"/api/v2/tasks?{query}&cursor={Uri.EscapeDataString(next.GetValue<string>())}" : null;
        }
        while (url is not null);
        return names.ToArray();
    }
}
