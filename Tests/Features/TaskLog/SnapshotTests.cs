using System.Net;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TaskManager.Features.TaskLog.TakeSnapshot;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.TaskLog;

public sealed class SnapshotTests : ApiTest
{
    private const string TodayRows = "SELECT count(*) FROM task_logger WHERE log_date = (now() AT TIME ZONE 'utc')::date";

    [Test]
    public async Task An_admin_snapshot_writes_todays_row_for_every_active_task()
    {
        var (adminId, _) = await SignUpAsync("root");
        await Sql.InsertTasksAsync(App.ConnectionString, adminId, 50); // 40 active
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);

        var response = await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", admin);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var body = await ReadJsonAsync(response);
        // The log rows commit batch by batch, and the snapshot's record after the last: waiting for the record waits for all.
        var recorded = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT coalesce((SELECT rows_written FROM task_log_snapshots), 0)"), n => n > 0);
        Assert.Multiple(async () =>
        {
            Assert.That(body["message"]!.GetValue<string>(), Is.EqualTo("Snapshot requested"));
            Assert.That(body["log_date"]!.GetValue<string>(), Is.EqualTo(DateTime.UtcNow.ToString("yyyy-MM-dd")));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, TodayRows), Is.EqualTo(40));
            Assert.That(recorded, Is.EqualTo(40));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString,
                "SELECT count(*) FROM task_logger l JOIN tasks t ON t.id = l.task_id WHERE NOT t.status"), Is.Zero);
        });
    }

    [Test]
    public async Task The_snapshot_is_visible_in_the_list_with_its_total()
    {
        var (adminId, _) = await SignUpAsync("root");
        await Sql.InsertTasksAsync(App.ConnectionString, adminId, 10);
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);
        var before = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", admin));

        await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", admin);
        var after = await Eventually.ReadAsync(async () => await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", admin)),
            page => page["total"]!.GetValue<long>() == 8);

        Assert.Multiple(() =>
        {
            Assert.That(before["total"]!.GetValue<long>(), Is.Zero);
            Assert.That(after["total"]!.GetValue<long>(), Is.EqualTo(8));
            Assert.That(after["tasks"]!.AsArray(), Has.Count.EqualTo(8));
        });
    }

    [Test]
    public async Task Taking_the_snapshot_twice_writes_nothing_the_second_time_and_keeps_todays_changes()
    {
        var (adminId, token) = await SignUpAsync("root");
        await Sql.InsertTasksAsync(App.ConnectionString, adminId, 10);
        var admin = TestTokens.For(adminId, "root", ["user", "admin"]);
        // A task changed today already has its row; the snapshot must not overwrite it.
        var created = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/task", token, Json("""{"task_name":"today","priority":"HIGH"}""")));
        await SendAsync(HttpMethod.Put, $"/api/task/{created["id"]}", token, Json("""{"priority":"CRITICAL"}"""));

        const string Taken = "SELECT coalesce(max(taken_at), '-infinity') FROM task_log_snapshots";
        await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", admin);
        var firstTaken = await Eventually.ReadAsync(() => Sql.ScalarAsync<DateTime>(App.ConnectionString, Taken), t => t > DateTime.MinValue);
        var afterFirst = await Sql.ScalarAsync<long>(App.ConnectionString, TodayRows);
        await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", admin);
        var secondTaken = await Eventually.ReadAsync(() => Sql.ScalarAsync<DateTime>(App.ConnectionString, Taken), t => t > firstTaken);

        Assert.Multiple(async () =>
        {
            Assert.That(secondTaken, Is.GreaterThan(firstTaken), "the second snapshot ran");
            Assert.That(afterFirst, Is.EqualTo(9));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT rows_written FROM task_log_snapshots"), Is.EqualTo(8),
                "the second run wrote nothing");
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, TodayRows), Is.EqualTo(9));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                $"SELECT priority FROM task_logger WHERE task_id = {created["id"]}"), Is.EqualTo("CRITICAL"));
        });
    }

    [Test]
    public async Task A_row_a_change_writes_while_the_snapshot_runs_is_kept_and_the_snapshot_still_completes()
    {
        var (adminId, _) = await SignUpAsync("root");
        await Sql.InsertTasksAsync(App.ConnectionString, adminId, 10);
        var racer = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT min(id) FROM tasks WHERE status");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        // A change has written today's row of one task and not yet committed: the snapshot cannot see the row,
        // runs into it on insert and waits for the change, which then commits first.
        await using var change = await HoldTodaysRowAsync(racer, today);
        var snapshot = await SnapshotWaitingAsync(today);
        await change.CommitAsync();
        var taken = await snapshot;

        Assert.Multiple(async () =>
        {
            Assert.That(taken.RowsWritten, Is.EqualTo(7), "every active task but the one the change wrote");
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, TodayRows), Is.EqualTo(8));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                $"SELECT priority FROM task_logger WHERE task_id = {racer} AND log_date = '{today:yyyy-MM-dd}'"), Is.EqualTo("CRITICAL"), "the change's row is kept");
        });
    }

    [Test]
    public async Task A_change_to_a_task_the_snapshot_has_passed_does_not_wait_for_the_rest_of_it()
    {
        var (adminId, adminToken) = await SignUpAdminAsync();
        await Sql.InsertTasksAsync(App.ConnectionString, adminId, 10);
        var passed = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT min(id) FROM tasks WHERE status");
        var last = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT max(id) FROM tasks WHERE status");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        // An uncommitted change holds today's row of the last task, so the snapshot's last batch waits for it.
        await using var change = await HoldTodaysRowAsync(last, today);
        var snapshot = await SnapshotWaitingAsync(today);

        // The first task's row was written and committed in an earlier batch: changing it does not wait.
        var updated = await SendAsync(HttpMethod.Put, $"/api/task/{passed}", adminToken, Json("""{"priority":"HIGH"}"""));
        var stillWaiting = !snapshot.IsCompleted;
        await change.CommitAsync();
        var taken = await snapshot;

        Assert.Multiple(async () =>
        {
            Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK), await updated.Content.ReadAsStringAsync());
            Assert.That(stillWaiting, Is.True, "the change was answered while the snapshot still waited");
            Assert.That(taken.RowsWritten, Is.EqualTo(7), "every active task but the one the change wrote");
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                $"SELECT priority FROM task_logger WHERE task_id = {passed} AND log_date = '{today:yyyy-MM-dd}'"), Is.EqualTo("HIGH"));
        });
    }

    [TestCase("user")]
    [TestCase("manager")]
    public async Task Only_an_admin_may_trigger_the_snapshot(string role)
    {
        var (id, _) = await SignUpAsync("alice");
        var token = TestTokens.For(id, "alice", ["user", role]);

        await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/task-log/snapshot", token), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Two_workers_snapshotting_at_once_while_tasks_are_created_leave_one_row_per_active_task()
    {
        var database = await TestDatabase.CreateAsync("snapshot");
        await using var first = new TaskManagerApp(database);
        await using var second = new TaskManagerApp(database);
        using var client = first.CreateClient();
        var owner = await Sql.ScalarAsync<long>(database,
            "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.com', 'x') RETURNING id");
        await Sql.InsertTasksAsync(database, owner, 5_000);
        var token = TestTokens.For(owner, "owner", ["user"]);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var snapshots = new[] { first, second }.Select(async app =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new TakeSnapshotCommand(today));
        }).ToList();
        var creations = Enumerable.Range(0, 20).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/task")
            {
                Content = Json($$"""{"task_name":"concurrent {{i}}","priority":"LOW"}"""),
            };
            request.Headers.Authorization = new("Bearer", token);
            return (await client.SendAsync(request)).StatusCode;
        }).ToList();
        var written = await Task.WhenAll(snapshots);
        var created = await Task.WhenAll(creations);

        Assert.Multiple(async () =>
        {
            Assert.That(created, Is.All.EqualTo(HttpStatusCode.Created));
            Assert.That(written.Sum(w => w.RowsWritten), Is.EqualTo(4_000), "each active seeded task written by exactly one worker");
            Assert.That(await Sql.ScalarAsync<long>(database,
                "SELECT count(*) FROM tasks t WHERE t.status AND NOT EXISTS (SELECT 1 FROM task_logger l WHERE l.task_id = t.id AND l.log_date = @d)",
                ("d", today)), Is.Zero, "no active task is missed");
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_logger WHERE log_date = @d", ("d", today)),
                Is.EqualTo(4_020), "no task has two rows");
        });
    }

    [Test]
    public async Task A_worker_that_starts_without_todays_snapshot_catches_up()
    {
        var database = await TestDatabase.CreateAsync("snapshot");
        await using (var setup = new TaskManagerApp(database))
        {
            _ = setup.Server; // migrate
        }
        var owner = await Sql.ScalarAsync<long>(database,
            "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.com', 'x') RETURNING id");
        await Sql.InsertTasksAsync(database, owner, 25);

        await using var worker = new TaskManagerApp(database, new Dictionary<string, string?>(await TestRabbitMq.SettingsAsync())
        {
            ["Role"] = "worker",
            ["TaskLog:SchedulerEnabled"] = "true",
        });
        _ = worker.Server;

        var rows = await PollAsync(() => Sql.ScalarAsync<long>(database, TodayRows), expected: 20);
        Assert.That(rows, Is.EqualTo(20));
    }

    [Test]
    public async Task The_scheduler_takes_the_snapshot_at_the_configured_time()
    {
        var database = await TestDatabase.CreateAsync("snapshot");
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 9, 23, 59, 0, TimeSpan.Zero));
        await using (var setup = new TaskManagerApp(database))
        {
            _ = setup.Server;
        }
        var owner = await Sql.ScalarAsync<long>(database,
            "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.com', 'x') RETURNING id");
        await Sql.InsertTasksAsync(database, owner, 10);
        // The fake day's snapshot is already taken, so the only run is the scheduled one.
        await Sql.ExecuteAsync(database, "INSERT INTO task_log_snapshots (log_date, taken_at, rows_written) VALUES ('2030-01-09', now(), 0)");

        await using var worker = new TaskManagerApp(database, new Dictionary<string, string?>(await TestRabbitMq.SettingsAsync())
        {
            ["Role"] = "worker",
            ["TaskLog:SchedulerEnabled"] = "true",
            ["TaskLog:SnapshotTimeUtc"] = "00:00",
        })
        { TestServices = services => services.AddSingleton<TimeProvider>(clock) };
        _ = worker.Server;
        const string NewDayRows = "SELECT count(*) FROM task_logger WHERE log_date = '2030-01-10'";
        await Task.Delay(500);
        var beforeMidnight = await Sql.ScalarAsync<long>(database, NewDayRows);

        clock.Advance(TimeSpan.FromMinutes(1));
        var afterMidnight = await PollAsync(() => Sql.ScalarAsync<long>(database, NewDayRows), expected: 8);

        Assert.Multiple(() =>
        {
            Assert.That(beforeMidnight, Is.Zero);
            Assert.That(afterMidnight, Is.EqualTo(8));
        });
    }

    /// <summary>A change that has written today's row of the task and not committed.</summary>
    private async Task<HeldRow> HoldTodaysRowAsync(long taskId, DateOnly today)
    {
        var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO task_logger (task_id, log_date, status, priority) VALUES (@id, @d, true, 'CRITICAL')", connection, transaction);
        insert.Parameters.AddWithValue("id", taskId);
        insert.Parameters.AddWithValue("d", today);
        await insert.ExecuteNonQueryAsync();
        return new HeldRow(connection, transaction);
    }

    private sealed record HeldRow(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public Task CommitAsync() => Transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    /// <summary>Starts the snapshot and returns once it waits on a row lock.</summary>
    private async Task<Task<TakeSnapshotResponse>> SnapshotWaitingAsync(DateOnly today)
    {
        var snapshot = Task.Run(async () =>
        {
            await using var scope = App.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new TakeSnapshotCommand(today));
        });
        await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(App.ConnectionString,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO task_logger%'"), waiting => waiting > 0);
        return snapshot;
    }

    private static async Task<long> PollAsync(Func<Task<long>> read, long expected)
    {
        var value = await read();
        for (var i = 0; i < 100 && value != expected; i++)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }
}
