using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

public sealed class CreateTaskTests : ApiTest
{
    private const string TodaysRow = """
        SELECT status::text || ' ' || priority FROM task_logger
        WHERE task_id = @id AND log_date = (now() AT TIME ZONE 'utc')::date
        """;

    [Test]
    public async Task Creating_a_task_answers_201_with_the_task_its_etag_and_its_location()
    {
        var (aliceId, token) = await SignUpAsync("alice");
        var before = DateTime.UtcNow;

        var response = await SendAsync(HttpMethod.Post, "/api/task", token,
            Json("""{"task_name":"  Write the report \t","description":"Quarterly numbers","priority":"high"}"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var body = await ReadJsonAsync(response);
        var id = body["id"]!.GetValue<long>();
        Assert.Multiple(async () =>
        {
            Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("Task created successfully"));
            Assert.That(id, Is.GreaterThan(0));
            Assert.That(body["task_name"]!.GetValue<string>(), Is.EqualTo("Write the report"), "trimmed");
            Assert.That(body["description"]!.GetValue<string>(), Is.EqualTo("Quarterly numbers"));
            Assert.That(body["status"]!.GetValue<bool>(), Is.True);
            Assert.That(body["priority"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(body["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(aliceId), "the assignee defaults to the caller");
            Assert.That(body["assigned_user"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(body["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(body["created_at"]!.GetValue<DateTime>(), Is.EqualTo(before).Within(TimeSpan.FromMinutes(1)));
            Assert.That(body["updated_at"]!.GetValue<DateTime>(), Is.EqualTo(before).Within(TimeSpan.FromMinutes(1)));
            Assert.That(response.Headers.ETag?.ToString(), Is.EqualTo("\"1\""));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/task/{id}"));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                "SELECT task_name || '|' || priority || '|' || created_by FROM tasks WHERE id = @id", ("id", id)),
                Is.EqualTo($"Write the report|HIGH|{aliceId}"));
        });
    }

    [Test]
    public async Task A_new_task_is_in_todays_log_at_once()
    {
        var (_, token) = await SignUpAsync("alice");

        var task = await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}""");
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token));

        var id = task["id"]!.GetValue<long>();
        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TodaysRow, ("id", id)), Is.EqualTo("true LOW"));
            Assert.That(list["total"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(list["tasks"]![0]!["task_id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(list["tasks"]![0]!["log_date"]!.GetValue<string>(), Is.EqualTo(await TodayAsync()));
        });
    }

    [Test]
    public async Task A_task_created_inactive_is_logged_inactive()
    {
        var (_, token) = await SignUpAsync("alice");

        var task = await CreateTaskAsync(token, """{"task_name":"Someday","priority":"LOW","status":false}""");

        Assert.Multiple(async () =>
        {
            Assert.That(task["status"]!.GetValue<bool>(), Is.False);
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TodaysRow, ("id", task["id"]!.GetValue<long>())),
                Is.EqualTo("false LOW"));
        });
    }

    [Test]
    public async Task A_task_can_be_assigned_to_another_user()
    {
        var (aliceId, token) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");

        var task = await CreateTaskAsync(token, $$"""{"task_name":"Review","priority":"MEDIUM","assigned_user_id":{{bobId}}}""");

        Assert.Multiple(() =>
        {
            Assert.That(task["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(bobId));
            Assert.That(task["assigned_user"]!.GetValue<string>(), Is.EqualTo("bob"));
            Assert.That(task["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
        });
    }

    [Test]
    public async Task Creating_a_task_for_an_unknown_assignee_is_rejected()
    {
        var (_, token) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Post, "/api/task", token,
            Json("""{"task_name":"Review","priority":"MEDIUM","assigned_user_id":4242}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Multiple(async () =>
        {
            Assert.That(problem["errors"]!["assigned_user_id"]![0]!.GetValue<string>(), Does.Contain("4242"));
            Assert.That(await CountAsync("tasks"), Is.Zero);
            Assert.That(await CountAsync("task_logger"), Is.Zero);
        });
    }

    [TestCase("""{"priority":"LOW"}""", "task_name", TestName = "A_task_without_a_name_is_rejected")]
    [TestCase("""{"task_name":"   ","priority":"LOW"}""", "task_name", TestName = "A_blank_task_name_is_rejected")]
    [TestCase("""{"task_name":"Plan"}""", "priority", TestName = "A_task_without_a_priority_is_rejected")]
    [TestCase("""{"task_name":"Plan","priority":"URGENT"}""", "priority", TestName = "An_unknown_priority_is_rejected")]
    [TestCase("""{"task_name":"Plan",""", null, TestName = "A_malformed_body_is_rejected")]
    public async Task Invalid_tasks_are_rejected_and_nothing_is_stored(string json, string? field)
    {
        var (_, token) = await SignUpAsync("alice");

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/task", token, Json(json)), HttpStatusCode.BadRequest);

        Assert.Multiple(async () =>
        {
            if (field is not null)
            {
                Assert.That(problem["errors"]?[field], Is.Not.Null, problem.ToJsonString());
            }
            Assert.That(await CountAsync("tasks"), Is.Zero);
        });
    }

    [TestCase(255, 10_000, HttpStatusCode.Created, TestName = "A_name_of_255_and_a_description_of_10000_characters_are_accepted")]
    [TestCase(256, 0, HttpStatusCode.BadRequest, TestName = "A_name_of_256_characters_is_rejected")]
    [TestCase(1, 10_001, HttpStatusCode.BadRequest, TestName = "A_description_of_10001_characters_is_rejected")]
    public async Task Names_and_descriptions_are_bounded(int nameLength, int descriptionLength, HttpStatusCode expected)
    {
        var (_, token) = await SignUpAsync("alice");
        var request = new { task_name = new string('n', nameLength), description = new string('d', descriptionLength), priority = "LOW" };

        var response = await SendAsync(HttpMethod.Post, "/api/task", token, JsonContent.Create(request));

        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        Assert.That(await CountAsync("tasks"), Is.EqualTo(expected == HttpStatusCode.Created ? 1 : 0));
    }

    [Test]
    public async Task A_name_of_255_characters_outside_the_basic_plane_is_accepted()
    {
        // 255 characters, as the spec and the column (varchar(255)) count them, but 510 UTF-16 code units.
        var (_, token) = await SignUpAsync("alice");
        var name = string.Concat(Enumerable.Repeat("\U0001F680", 255));

        var response = await SendAsync(HttpMethod.Post, "/api/task", token, JsonContent.Create(new { task_name = name, priority = "LOW" }));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(await Sql.ScalarAsync<int>(App.ConnectionString, "SELECT length(task_name) FROM tasks"), Is.EqualTo(255));
    }

    [Test]
    public async Task Fields_the_server_owns_are_ignored_in_the_body()
    {
        var (aliceId, token) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");

        var response = await SendAsync(HttpMethod.Post, "/api/task", token, Json($$"""
            {"task_name":"Plan","priority":"LOW","id":999,"created_by":{{bobId}},"created_at":"2000-01-01T00:00:00Z",
             "updated_at":"2000-01-01T00:00:00Z","version":50,"assigned_user":"bob"}
            """));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var task = await ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(task["id"]!.GetValue<long>(), Is.Not.EqualTo(999));
            Assert.That(task["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(task["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(task["created_at"]!.GetValue<DateTime>().Year, Is.GreaterThan(2000));
            Assert.That(task["updated_at"]!.GetValue<DateTime>().Year, Is.GreaterThan(2000));
            Assert.That(response.Headers.ETag?.ToString(), Is.EqualTo("\"1\""));
        });
    }

    [Test]
    public async Task Creating_a_task_without_a_token_is_401()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/task", token: null,
            Json("""{"task_name":"Plan","priority":"LOW"}""")), HttpStatusCode.Unauthorized);
        Assert.That(await CountAsync("tasks"), Is.Zero);
    }

    private Task<long> CountAsync(string table) => Sql.ScalarAsync<long>(App.ConnectionString, $"SELECT count(*) FROM {table}");

    private Task<string> TodayAsync() =>
        Sql.ScalarAsync<string>(App.ConnectionString, "SELECT ((now() AT TIME ZONE 'utc')::date)::text");
}
