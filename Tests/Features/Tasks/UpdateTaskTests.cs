using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

public sealed class UpdateTaskTests : ApiTest
{
    private const string TaskRow = "SELECT task_name || '|' || priority || '|' || status || '|' || version FROM tasks WHERE id = @id";

    [Test]
    public async Task Absent_and_null_fields_are_left_as_they_are()
    {
        var (aliceId, token) = await SignUpAsync("alice");
        var created = await CreateTaskAsync(token, """{"task_name":"Plan","description":"First draft","priority":"LOW"}""");
        var id = created["id"]!.GetValue<long>();

        var response = await SendAsync(HttpMethod.Put, $"/api/task/{id}", token,
            Json("""{"description":null,"assigned_user_id":null,"priority":"critical"}"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var task = await ReadJsonAsync(response);
        Assert.Multiple(async () =>
        {
            Assert.That(task["message"]!.GetValue<string>(), Is.EqualTo("Task updated successfully"));
            Assert.That(task["id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(task["task_name"]!.GetValue<string>(), Is.EqualTo("Plan"));
            Assert.That(task["description"]!.GetValue<string>(), Is.EqualTo("First draft"));
            Assert.That(task["priority"]!.GetValue<string>(), Is.EqualTo("CRITICAL"));
            Assert.That(task["status"]!.GetValue<bool>(), Is.True);
            Assert.That(task["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(task["created_by"]!.GetValue<long>(), Is.EqualTo(aliceId));
            Assert.That(task["created_at"]!.GetValue<DateTime>(), Is.EqualTo(created["created_at"]!.GetValue<DateTime>()));
            Assert.That(task["updated_at"]!.GetValue<DateTime>(), Is.GreaterThan(created["updated_at"]!.GetValue<DateTime>()));
            Assert.That(response.Headers.ETag?.ToString(), Is.EqualTo("\"2\""));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|CRITICAL|true|2"));
        });
    }

    [Test]
    public async Task An_update_refreshes_todays_log_row_without_adding_one()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();

        await PutAsync(id, token, """{"priority":"HIGH"}""");
        await PutAsync(id, token, """{"task_name":"Plan B"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_logger WHERE task_id = @id", ("id", id)),
                Is.EqualTo(1));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, """
                SELECT status::text || ' ' || priority FROM task_logger
                WHERE task_id = @id AND log_date = (now() AT TIME ZONE 'utc')::date
                """, ("id", id)), Is.EqualTo("true HIGH"));
        });
    }

    [TestCase("creator")]
    [TestCase("assignee")]
    [TestCase("manager")]
    [TestCase("admin")]
    public async Task The_creator_the_assignee_a_manager_and_an_admin_may_change_a_task(string who)
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();

        var task = await PutAsync(id, tokens[who], """{"task_name":"Renamed"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(task["task_name"]!.GetValue<string>(), Is.EqualTo("Renamed"));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Renamed|MEDIUM|true|2"));
        });
    }

    [Test]
    public async Task Another_user_may_not_change_a_task()
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();

        await AssertProblemAsync(await SendAsync(HttpMethod.Put, $"/api/task/{id}", tokens["other"], Json("""{"task_name":"Mine now"}""")),
            HttpStatusCode.Forbidden);

        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Review|MEDIUM|true|1"));
    }

    [Test]
    public async Task A_former_assignee_may_no_longer_change_the_task()
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();
        var daveId = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM users WHERE username = 'dave'");

        var reassigned = await PutAsync(id, tokens["creator"], $$"""{"assigned_user_id":{{daveId}}}""");
        var byBob = await SendAsync(HttpMethod.Put, $"/api/task/{id}", tokens["assignee"], Json("""{"priority":"LOW"}"""));
        var byDave = await SendAsync(HttpMethod.Put, $"/api/task/{id}", tokens["other"], Json("""{"priority":"HIGH"}"""));

        Assert.Multiple(async () =>
        {
            Assert.That(reassigned["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(daveId));
            Assert.That(reassigned["assigned_user"]!.GetValue<string>(), Is.EqualTo("dave"));
            Assert.That(byBob.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(byDave.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the new assignee may change it");
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Review|HIGH|true|3"));
        });
    }

    [Test]
    public async Task Updating_an_unknown_task_is_404()
    {
        var (adminId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SendAsync(HttpMethod.Put, "/api/task/999999", admin, Json("""{"task_name":"Ghost"}""")),
            HttpStatusCode.NotFound);
    }

    [TestCase("*", TestName = "If_Match_star_applies_the_change")]
    [TestCase("\"7\", \"1\"", TestName = "An_If_Match_list_that_includes_the_current_etag_applies_the_change")]
    public async Task A_matching_If_Match_applies_the_change(string ifMatch)
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var response = await PutWithIfMatchAsync(id, token, ifMatch, """{"priority":"HIGH"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            Assert.That(response.Headers.ETag?.ToString(), Is.EqualTo("\"2\""));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|HIGH|true|2"));
        });
    }

    [Test]
    public async Task A_stale_If_Match_is_412_and_keeps_the_newer_change()
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();
        // Alice read the task at ETag "1"; Bob changed it since.
        await PutAsync(id, tokens["assignee"], """{"priority":"HIGH"}""");

        var response = await PutWithIfMatchAsync(id, tokens["creator"], "\"1\"", """{"priority":"LOW"}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Multiple(async () =>
        {
            Assert.That(problem["message"]!.GetValue<string>(), Does.Contain("\"2\""), "names the current ETag");
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Review|HIGH|true|2"));
        });
    }

    [TestCase("W/\"1\"", TestName = "A_weak_If_Match_never_matches")]
    [TestCase("not-an-etag", TestName = "An_unparsable_If_Match_never_matches")]
    public async Task An_If_Match_that_cannot_match_strongly_is_412(string ifMatch)
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var response = await PutWithIfMatchAsync(id, token, ifMatch, """{"priority":"HIGH"}""");

        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|LOW|true|1"));
    }

    [Test]
    public async Task The_etag_of_each_answer_is_the_one_to_send_next()
    {
        var (_, token) = await SignUpAsync("alice");
        var created = await SendAsync(HttpMethod.Post, "/api/task", token, Json("""{"task_name":"Plan","priority":"LOW"}"""));
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<long>();

        var first = await PutWithIfMatchAsync(id, token, created.Headers.ETag!.ToString(), """{"priority":"MEDIUM"}""");
        var second = await PutWithIfMatchAsync(id, token, first.Headers.ETag!.ToString(), """{"priority":"HIGH"}""");
        var replay = await PutWithIfMatchAsync(id, token, first.Headers.ETag!.ToString(), """{"priority":"CRITICAL"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(second.Headers.ETag?.ToString(), Is.EqualTo("\"3\""));
            Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|HIGH|true|3"));
        });
    }

    [Test]
    public async Task Setting_status_true_restores_a_deleted_task()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var deleted = await SendAsync(HttpMethod.Delete, $"/api/task/{id}", token);
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var task = await PutAsync(id, token, """{"status":true}""");

        Assert.Multiple(async () =>
        {
            Assert.That(task["status"]!.GetValue<bool>(), Is.True);
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|LOW|true|3"));
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString,
                "SELECT status FROM task_logger WHERE task_id = @id AND log_date = (now() AT TIME ZONE 'utc')::date", ("id", id)), Is.True);
        });
    }

    [TestCase("""{"task_name":"   "}""", "task_name", TestName = "Renaming_a_task_to_blank_is_rejected")]
    [TestCase("""{"priority":"urgent"}""", "priority", TestName = "Changing_to_an_unknown_priority_is_rejected")]
    [TestCase("""{"assigned_user_id":4242}""", "assigned_user_id", TestName = "Reassigning_to_an_unknown_user_is_rejected")]
    public async Task Invalid_changes_are_rejected_and_the_task_is_unchanged(string json, string field)
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Put, $"/api/task/{id}", token, Json(json)), HttpStatusCode.BadRequest);

        Assert.Multiple(async () =>
        {
            Assert.That(problem["errors"]?[field], Is.Not.Null, problem.ToJsonString());
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, TaskRow, ("id", id)), Is.EqualTo("Plan|LOW|true|1"));
        });
    }

    private async Task<JsonObject> PutAsync(long id, string token, string json)
    {
        var response = await SendAsync(HttpMethod.Put, $"/api/task/{id}", token, Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    private async Task<HttpResponseMessage> PutWithIfMatchAsync(long id, string token, string ifMatch, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/task/{id}") { Content = Json(json) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await Client.SendAsync(request);
    }
}
