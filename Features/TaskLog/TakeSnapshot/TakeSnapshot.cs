using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.TaskLog.TakeSnapshot;

public sealed record TakeSnapshotResponse(string Message, DateOnly LogDate, long RowsWritten);

/// <summary>Writes the day's log row of every active task that has none yet.</summary>
public sealed record TakeSnapshotCommand(DateOnly LogDate) : ICommand<TakeSnapshotResponse>;

public sealed class TakeSnapshotHandler(NpgsqlDataSource db, TaskReadCache cache, OutboxWriter outbox, TimeProvider clock,
    IOptions<SnapshotOptions> options, ILogger<TakeSnapshotHandler> logger) : ICommandHandler<TakeSnapshotCommand, TakeSnapshotResponse>
{
    // The advisory lock keeps a second worker from writing the same batch at once (it then finds it written);
    // the unique key (task_id, log_date) keeps a row from being written twice whatever happens.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtext('task-log-snapshot'))";

    // Rows already written (today's creates and updates, an earlier pass) are skipped by the anti-join, bounded to
    // the batch so its plan stays a batch's size. A plain INSERT is cheaper than ON CONFLICT's speculative insertion,
    // so it is tried first; only when a concurrent update wrote one of the rows meanwhile is the batch written again with it.
    private const string InsertSql = """
        INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
        SELECT t.id, @LogDate, t.status, t.priority, t.assigned_user_id, t.project_id FROM tasks t
        WHERE t.status AND t.id > @After AND t.id <= @Last
          AND NOT EXISTS (SELECT 1 FROM task_logger l
                          WHERE l.task_id = t.id AND l.log_date = @LogDate AND l.task_id > @After AND l.task_id <= @Last)
        """;
    private const string OnConflict = " ON CONFLICT (task_id, log_date) DO NOTHING";

    private const string RecordSql = """
        INSERT INTO task_log_snapshots (log_date, taken_at, rows_written) VALUES (@LogDate, now(), @Written)
        ON CONFLICT (log_date) DO UPDATE
            SET taken_at = EXCLUDED.taken_at, rows_written = task_log_snapshots.rows_written + EXCLUDED.rows_written
        """;

    // The days before the snapshot's are settled: their counts' slots (V30) fold into slot 0, so a list's totals sum
    // a few rows a day, not one per slot.
    private const string FoldCountsSql = """
        WITH gone AS (
            DELETE FROM task_log_counts WHERE log_date < @LogDate AND slot <> 0 RETURNING log_date, status, priority, entries
        )
        INSERT INTO task_log_counts AS c (log_date, status, priority, slot, entries)
        SELECT log_date, status, priority, 0, sum(entries) FROM gone
        GROUP BY log_date, status, priority ORDER BY log_date, status, priority
        ON CONFLICT (log_date, status, priority, slot) DO UPDATE SET entries = c.entries + EXCLUDED.entries
        """;

    public async ValueTask<TakeSnapshotResponse> Handle(TakeSnapshotCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var (beforeFirst, lastId) = await connection.QuerySingleAsync<(long, long)>(
            new CommandDefinition("SELECT coalesce(min(id) - 1, 0), coalesce(max(id), 0) FROM tasks", cancellationToken: ct));
        // One transaction a batch of task ids: a change to a task waits at most for the batch holding its row,
        // not for the whole snapshot (its row is in the snapshot's uncommitted inserts until then).
        var written = 0L;
        var batch = options.Value.SnapshotBatchSize;
        for (var after = beforeFirst; after < lastId; after += batch)
        {
            written += await WriteBatchAsync(connection, command.LogDate, after, Math.Min(after + batch, lastId), ct);
        }
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(RecordSql, new { command.LogDate, Written = written }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(FoldCountsSql, new { command.LogDate }, transaction, cancellationToken: ct));
            await outbox.EnqueueAsync(connection, transaction,
                new TaskLogSnapshotTaken { LogDate = command.LogDate, Rows = written, TakenAt = clock.GetUtcNow().UtcDateTime }, ct);
            await transaction.CommitAsync(ct);
        }
        if (written > 0)
        {
            await cache.InvalidateAsync();
        }
        logger.LogInformation("Daily snapshot for {LogDate:yyyy-MM-dd}: {Rows} log rows written", command.LogDate, written);
        return new TakeSnapshotResponse("Snapshot taken", command.LogDate, written);
    }

    private async Task<long> WriteBatchAsync(NpgsqlConnection connection, DateOnly logDate, long after, long last, CancellationToken ct)
    {
        var args = new { LogDate = logDate, After = after, Last = last };
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: transaction, cancellationToken: ct));
        await transaction.SaveAsync("rows", ct);
        long rows;
        try
        {
            // A batch takes longer than the request-sized default timeout.
            rows = await connection.ExecuteAsync(new CommandDefinition(InsertSql, args, transaction, commandTimeout: 600, cancellationToken: ct));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            logger.LogInformation("Daily snapshot for {LogDate:yyyy-MM-dd}: a change wrote one of its rows meanwhile; writing again around it", logDate);
            await transaction.RollbackAsync("rows", ct);
            rows = await connection.ExecuteAsync(new CommandDefinition(InsertSql + OnConflict, args, transaction, commandTimeout: 600, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return rows;
    }
}

public sealed record SnapshotRequestedResponse(string Message, DateOnly LogDate);

public static class TakeSnapshotEndpoint
{
    public static RouteHandlerBuilder MapTakeSnapshot(this IEndpointRouteBuilder app) => app
        .MapPost("/task-log/snapshot", HandleAsync)
        .WithName("TakeSnapshot")
        .WithSummary("Take today's snapshot")
        .WithDescription("Ask a worker to take today's (UTC) daily-log snapshot now (admin). Idempotent.");

    private static async Task<Accepted<SnapshotRequestedResponse>> HandleAsync(NpgsqlDataSource db, OutboxWriter outbox, TimeProvider clock, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await using var connection = await db.OpenConnectionAsync(ct);
        await outbox.EnqueueAsync(connection, null, new TakeTaskLogSnapshot { LogDate = today }, ct);
        return TypedResults.Accepted("/api/tasks", new SnapshotRequestedResponse("Snapshot requested", today));
    }
}
