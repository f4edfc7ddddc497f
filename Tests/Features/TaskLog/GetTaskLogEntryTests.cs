using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.TaskLog;

public sealed class GetTaskLogEntryTests : ApiTest
{
    [Test]
    public async Task An_entry_shows_its_days_state_with_the_tasks_live_fields_and_times()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, _) = await SignUpAsync("bob");
        var task = await CreateTaskAsync(alice,
            $$"""{"task_name":"Review","description":"Read it all","priority":"medium","assigned_user_id":{{bobId}}}""");
        var taskId = task["id"]!.GetValue<long>();
        var entryId = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM task_logger WHERE task_id = @id", ("id", taskId));

        var response = await SendAsync(HttpMethod.Get, $"/api/task/{entryId}", alice);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var entry = await ReadJsonAsync(response);
        var today = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT ((now() AT TIME ZONE 'utc')::date)::text");
        Assert.Multiple(() =>
        {
            Assert.That(entry["id"]!.GetValue<long>(), Is.EqualTo(entryId));
            Assert.That(entry["task_id"]!.GetValue<long>(), Is.EqualTo(taskId));
            Assert.That(entry["log_date"]!.GetValue<string>(), Is.EqualTo(today));
            Assert.That(entry["status"]!.GetValue<bool>(), Is.True);
            Assert.That(entry["priority"]!.GetValue<string>(), Is.EqualTo("MEDIUM"));
            Assert.That(entry["task_name"]!.GetValue<string>(), Is.EqualTo("Review"));
            Assert.That(entry["description"]!.GetValue<string>(), Is.EqualTo("Read it all"));
            Assert.That(entry["assigned_user_id"]!.GetValue<long>(), Is.EqualTo(bobId));
            Assert.That(entry["assigned_user"]!.GetValue<string>(), Is.EqualTo("bob"));
            Assert.That(entry["created_at"]!.GetValue<DateTime>(), Is.EqualTo(task["created_at"]!.GetValue<DateTime>()));
            Assert.That(entry["updated_at"]!.GetValue<DateTime>(), Is.EqualTo(task["updated_at"]!.GetValue<DateTime>()));
        });
    }

    [Test]
    public async Task A_past_entry_keeps_its_days_state_while_showing_the_tasks_latest_fields()
    {
        var (_, alice) = await SignUpAsync("alice");
        var taskId = (await CreateTaskAsync(alice, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var pastId = await Sql.ScalarAsync<long>(App.ConnectionString, """
            INSERT INTO task_logger (task_id, log_date, status, priority) VALUES (@id, DATE '2025-04-01', true, 'LOW') RETURNING id
            """, ("id", taskId));
        var before = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/task/{pastId}", alice));

        var updated = await SendAsync(HttpMethod.Put, $"/api/task/{taskId}", alice,
            Json("""{"task_name":"Plan B","priority":"HIGH","status":false}"""));
        var after = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/task/{pastId}", alice));

        Assert.Multiple(() =>
        {
            Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(before["task_name"]!.GetValue<string>(), Is.EqualTo("Plan"));
            Assert.That(after["log_date"]!.GetValue<string>(), Is.EqualTo("2025-04-01"));
            Assert.That(after["status"]!.GetValue<bool>(), Is.True, "that day's status");
            Assert.That(after["priority"]!.GetValue<string>(), Is.EqualTo("LOW"), "that day's priority");
            Assert.That(after["task_name"]!.GetValue<string>(), Is.EqualTo("Plan B"), "the task's live name");
            Assert.That(after["updated_at"]!.GetValue<DateTime>(), Is.GreaterThan(before["updated_at"]!.GetValue<DateTime>()));
        });
    }

    [Test]
    public async Task An_unknown_entry_is_404()
    {
        var (_, token) = await SignUpAsync("alice");

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/task/999999", token), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_entry_of_a_permanently_deleted_task_is_404()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var taskId = (await CreateTaskAsync(alice, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var entryId = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM task_logger WHERE task_id = @id", ("id", taskId));
        var before = await SendAsync(HttpMethod.Get, $"/api/task/{entryId}", alice);

        var purged = await SendAsync(HttpMethod.Delete, $"/api/task/{taskId}?permanent=true", TestTokens.For(aliceId, "alice", ["user", "admin"]));

        Assert.Multiple(() =>
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(purged.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        });
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/task/{entryId}", alice), HttpStatusCode.NotFound);
    }
}
