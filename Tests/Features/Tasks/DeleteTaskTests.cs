using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

public sealed class DeleteTaskTests : ApiTest
{
    private const string TaskStatus = "SELECT status FROM tasks WHERE id = @id";
    private const string TodaysStatus = "SELECT status FROM task_logger WHERE task_id = @id AND log_date = (now() AT TIME ZONE 'utc')::date";

    [Test]
    public async Task Deleting_a_task_keeps_it_inactive_and_logs_it_so_today()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = (await CreateTaskAsync(token, """{"task_name":"Plan","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var response = await SendAsync(HttpMethod.Delete, $"/api/task/{id}", token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await ReadJsonAsync(response);
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token));
        Assert.Multiple(async () =>
        {
            Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("Task deleted successfully"));
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TaskStatus, ("id", id)), Is.False);
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TodaysStatus, ("id", id)), Is.False);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_logger WHERE task_id = @id", ("id", id)),
                Is.EqualTo(1));
            Assert.That(list["total"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(list["tasks"]![0]!["status"]!.GetValue<bool>(), Is.False);
        });
    }

    [TestCase("creator")]
    [TestCase("assignee")]
    [TestCase("manager")]
    [TestCase("admin")]
    public async Task The_creator_the_assignee_a_manager_and_an_admin_may_delete_a_task(string who)
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();

        var response = await SendAsync(HttpMethod.Delete, $"/api/task/{id}", tokens[who]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TaskStatus, ("id", id)), Is.False);
    }

    [Test]
    public async Task Another_user_may_not_delete_a_task()
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();

        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, $"/api/task/{id}", tokens["other"]), HttpStatusCode.Forbidden);

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TaskStatus, ("id", id)), Is.True);
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TodaysStatus, ("id", id)), Is.True);
        });
    }

    [Test]
    public async Task Deleting_an_unknown_task_is_404()
    {
        var (adminId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, "/api/task/999999", admin), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task An_admin_deletes_a_task_permanently_with_its_whole_log()
    {
        var (adminId, token) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);
        var doomed = (await CreateTaskAsync(token, """{"task_name":"Doomed","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var kept = (await CreateTaskAsync(token, """{"task_name":"Kept","priority":"LOW"}"""))["id"]!.GetValue<long>();
        await Sql.ExecuteAsync(App.ConnectionString, """
            INSERT INTO task_logger (task_id, log_date, status, priority)
            VALUES (@doomed, DATE '2025-04-01', true, 'LOW'), (@kept, DATE '2025-04-01', true, 'LOW')
            """, ("doomed", doomed), ("kept", kept));

        var response = await SendAsync(HttpMethod.Delete, $"/api/task/{doomed}?permanent=true", admin);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", admin));
        var onThatDay = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks?date=2025-04-01", admin));
        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks WHERE id = @id", ("id", doomed)), Is.Zero);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_logger WHERE task_id = @id", ("id", doomed)),
                Is.Zero);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_logger WHERE task_id = @id", ("id", kept)),
                Is.EqualTo(2));
            Assert.That(list["total"]!.GetValue<long>(), Is.EqualTo(2), "the kept task's two rows");
            Assert.That(list["tasks"]!.AsArray().Select(e => e!["task_id"]!.GetValue<long>()), Is.All.EqualTo(kept));
            Assert.That(onThatDay["total"]!.GetValue<long>(), Is.EqualTo(1));
        });
    }

    [TestCase("creator")]
    [TestCase("manager")]
    public async Task Only_an_admin_may_delete_a_task_permanently(string who)
    {
        var (id, tokens) = await TaskOfAliceAssignedToBobAsync();

        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, $"/api/task/{id}?permanent=true", tokens[who]), HttpStatusCode.Forbidden);

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<bool>(App.ConnectionString, TaskStatus, ("id", id)), Is.True, "not even soft-deleted");
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_logger WHERE task_id = @id", ("id", id)),
                Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Deleting_an_unknown_task_permanently_is_404()
    {
        var (adminId, _) = await SignUpAsync("root");
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, "/api/task/999999?permanent=true", admin), HttpStatusCode.NotFound);
    }
}
