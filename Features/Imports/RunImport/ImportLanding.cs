using System.Diagnostics.Metrics;
using NpgsqlTypes;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Messaging.Outbox;
using TaskManager.Infrastructure.Observability;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Writes what an import produces: its tasks (binary COPY) with their log rows and audit entries
/// (set-based), its row errors, and its checkpoints.</summary>
public sealed class ImportLanding(NpgsqlDataSource db, TaskReadCache cache, OutboxWriter outbox, TimeProvider clock, ILogger<ImportLanding> logger,
    IMeterFactory meters)
{
    private const string FinishSql = """
        UPDATE imports SET status = @Status, rows_total = @RowsTotal, rows_processed = @RowsTotal, failure = @Failure, finished_at = now()
        WHERE id = @Id
        RETURNING id AS import_id, status, mode, rows_total, tasks_created, rows_failed, failure, finished_at
        """;

    // Rows committed, by outcome: its rate is the import throughput (rows per second) a dashboard shows.
    private readonly Counter<long> rowsCounter = meters.Create(Meters.Imports)
        .CreateCounter<long>("imports.rows", unit: "{row}", description: "CSV rows committed by imports, by status (imported, failed)");

    // The batch's audit entries: rows of its own, so a batch may write them while the batch before it commits.
    // Each imported task is also a task.created change of the feed (V24), in file order.
    private const string AuditSql = """
        WITH feed AS (
            INSERT INTO changes (type, actor_id, project_id, task_id, data)
            SELECT 'task.created', @UserId, t.project_id, t.id, task_resource(t)
            FROM tasks t WHERE t.import_id = @Id AND t.import_row > @From AND t.import_row <= @To
            ORDER BY t.import_row
        )
        INSERT INTO task_audit (message_id, task_id, action, changes, previous_status, new_status, modified_by, modified_by_username, changed_at,
                                project_id)
        -- The entry's message id: the import's id (its first 8 bytes) and the row number. Ordered within an import, so
        -- the unique index on message_id takes appends instead of a random insert per row (random ids made the
        -- audit insert the import's dearest step), and the same row always gets the same id.
        SELECT encode(substring(uuid_send(@Id) FROM 1 FOR 8) || int8send(t.import_row), 'hex')::uuid, t.id, 'imported',
               -- What task_changes(NULL, t) gives, built directly: several times cheaper per row.
               jsonb_build_object(
                   'task_name', jsonb_build_object('old', NULL, 'new', t.task_name),
                   'status', jsonb_build_object('old', NULL, 'new', t.status),
                   'priority', jsonb_build_object('old', NULL, 'new', t.priority),
                   'assigned_user_id', jsonb_build_object('old', NULL, 'new', t.assigned_user_id))
               || CASE WHEN t.description IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('description', jsonb_build_object('old', NULL, 'new', t.description)) END
               || jsonb_build_object('done', jsonb_build_object('old', NULL, 'new', t.done))
               || CASE WHEN t.due_date IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('due_date', jsonb_build_object('old', NULL, 'new', t.due_date)) END
               || CASE WHEN t.label_ids = '{}' THEN '{}'::jsonb
                       ELSE jsonb_build_object('labels', jsonb_build_object('old', NULL, 'new', task_label_names(t.label_ids))) END,
               NULL, t.status, @UserId, @Username, now(), t.project_id
        FROM tasks t WHERE t.import_id = @Id AND t.import_row > @From AND t.import_row <= @To
        """;

    // The batch's log rows. Their counts (task_log_counts, by trigger) are rows a batch holds until it commits, in its
    // transaction's slot (V30).
    private const string LogSql = """
        INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
        SELECT id, (now() AT TIME ZONE 'utc')::date, status, priority, assigned_user_id, project_id FROM tasks
        WHERE import_id = @Id AND import_row > @From AND import_row <= @To
        ON CONFLICT (task_id, log_date) DO NOTHING
        """;

    public const string CheckpointSql = """
        UPDATE imports SET checkpoint_row = @To, rows_processed = @To, rows_total = greatest(rows_total, @To),
               tasks_created = tasks_created + @Created, rows_failed = rows_failed + @Failed
        WHERE id = @Id
        """;

    /// <summary>Lands a batch in its own transaction while the batch before it may still be landing: its tasks are copied
    /// once the previous batch's are (so task ids follow the file), its log rows, checkpoint and commit wait for the
    /// previous commit (so batches commit in file order and the checkpoint stays a high-water mark).</summary>
    public async Task CommitBatchAsync(ImportState import, ImportBatch rows, BatchTurn previous, BatchTurn turn, CancellationToken ct)
    {
        var (batch, errors, from, to) = (rows.Rows, rows.Errors, rows.From, rows.To);
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await previous.Copied.Task;
            await CopyTasksAsync(connection, import, batch, ct);
            turn.Copied.TrySetResult();
            await WriteAuditAsync(connection, transaction, import, from, to, ct);
            await CopyErrorsAsync(connection, import.Id, errors, ct);
            await previous.Committed.Task;
            await WriteLogAsync(connection, transaction, import, from, to, ct);
            var failed = errors.Select(e => e.Row).Distinct().LongCount();
            await connection.ExecuteAsync(new CommandDefinition(CheckpointSql,
                new { import.Id, To = to, Created = (long)batch.Count, Failed = failed }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            turn.Committed.TrySetResult();
            await CommittedAsync(batch.Count, failed);
            logger.LogInformation("Import {ImportId}: rows {From}-{To} committed ({Created} tasks, {Failed} rows failed)", import.Id, from + 1, to, batch.Count, failed);
        }
        catch (Exception ex)
        {
            // The batches after this one must not land past it.
            turn.Copied.TrySetException(ex);
            turn.Committed.TrySetException(ex);
            throw;
        }
    }

    /// <summary>After a commit: counts the rows and drops cached log pages when tasks landed.</summary>
    public async Task CommittedAsync(long imported, long failed)
    {
        CountRows(imported, failed);
        if (imported > 0)
        {
            await cache.InvalidateAsync();
        }
    }

    private void CountRows(long imported, long failed)
    {
        if (imported > 0)
        {
            rowsCounter.Add(imported, new KeyValuePair<string, object?>("status", "imported"));
        }
        if (failed > 0)
        {
            rowsCounter.Add(failed, new KeyValuePair<string, object?>("status", "failed"));
        }
    }

    /// <summary>The batch's tasks by binary COPY, then their audit entries and log rows set-based.</summary>
    public async Task LandAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ImportState import, List<ValidRow> batch,
        long from, long to, CancellationToken ct)
    {
        await CopyTasksAsync(connection, import, batch, ct);
        await WriteAuditAsync(connection, transaction, import, from, to, ct);
        await WriteLogAsync(connection, transaction, import, from, to, ct);
    }

    private async Task CopyTasksAsync(NpgsqlConnection connection, ImportState import, List<ValidRow> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var labels = await LabelIdsAsync(connection, import, batch, ct);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY tasks (task_name, description, status, priority, assigned_user_id, created_by, created_at, updated_at, import_id, import_row, due_date, done, project_id, label_ids, label_keys) FROM STDIN (FORMAT BINARY)", ct))
        {
            // Synchronous writes: the importer buffers them and only touches the socket when its buffer fills,
            // and an awaited call per field cost more than the I/O itself.
            foreach (var row in batch)
            {
                copy.StartRow();
                copy.Write(row.TaskName, NpgsqlDbType.Varchar);
                copy.Write(row.Description, NpgsqlDbType.Text);
                copy.Write(row.Status, NpgsqlDbType.Boolean);
                copy.Write(row.Priority, NpgsqlDbType.Text);
                copy.Write(row.AssignedUserId, NpgsqlDbType.Bigint);
                copy.Write(import.RequestedBy, NpgsqlDbType.Bigint);
                copy.Write(row.CreatedAt, NpgsqlDbType.TimestampTz);
                copy.Write(now, NpgsqlDbType.TimestampTz);
                copy.Write(import.Id, NpgsqlDbType.Uuid);
                copy.Write(row.Row, NpgsqlDbType.Bigint);
                copy.Write(row.DueDate, NpgsqlDbType.Date);
                copy.Write(row.Done, NpgsqlDbType.Boolean);
                copy.Write(import.ProjectId, NpgsqlDbType.Bigint);
                copy.Write(row.Labels.Length == 0 ? [] : row.Labels.Select(n => labels[n].Id).Distinct().Order().ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
                copy.Write(row.Labels.Length == 0 ? [] : row.Labels.Select(n => labels[n].Key).Distinct().Order(StringComparer.Ordinal).ToArray(),
                    NpgsqlDbType.Array | NpgsqlDbType.Text);
            }
            await copy.CompleteAsync(ct);
        }
    }

    // The batch's label names the project lacks are created (as a task write creates them), then every name found by id.
    private static readonly string LabelsSql = $"""
        WITH made AS (
            {Tasks.TaskStructure.CreateLabelsSql}
            ON CONFLICT (project_id, lower(name)) DO NOTHING
            RETURNING labels AS row
        ), ev AS (
            {Labels.LabelSql.Outbox("'created'", "made.row", "made")}
        )
        SELECT count(*) FROM made
        """;

    private const string LabelIdsSql = """
        SELECT x AS name, l.id, lower(l.name) AS key FROM unnest(@Labels::text[]) x JOIN labels l ON l.project_id = @ProjectId AND lower(l.name) = lower(x)
        """;

    private static async Task<Dictionary<string, (long Id, string Key)>> LabelIdsAsync(NpgsqlConnection connection, ImportState import, List<ValidRow> batch,
        CancellationToken ct)
    {
        var names = batch.SelectMany(r => r.Labels).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length == 0)
        {
            return [];
        }
        var parameters = new { Labels = names, import.ProjectId, CallerId = import.RequestedBy };
        await connection.ExecuteAsync(new CommandDefinition(LabelsSql, parameters, cancellationToken: ct));
        return (await connection.QueryAsync<(string Name, long Id, string Key)>(new CommandDefinition(LabelIdsSql, parameters, cancellationToken: ct)))
            .ToDictionary(p => p.Name, p => (p.Id, p.Key), StringComparer.Ordinal);
    }

    private static Task WriteAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ImportState import, long from, long to,
        CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(AuditSql, new { import.Id, From = from, To = to, UserId = import.RequestedBy, Username = import.RequestedByUsername },
            transaction, commandTimeout: 600, cancellationToken: ct));

    private static Task WriteLogAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ImportState import, long from, long to,
        CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(LogSql, new { import.Id, From = from, To = to }, transaction, commandTimeout: 600, cancellationToken: ct));

    private static async Task CopyErrorsAsync(NpgsqlConnection connection, Guid importId, List<RowError> errors, CancellationToken ct)
    {
        if (errors.Count == 0)
        {
            return;
        }
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY import_errors (import_id, row_number, column_name, code, message, value, value_length) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var error in errors)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(importId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(error.Row, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(error.Column, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Code, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Message, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Value, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.ValueLength, NpgsqlDbType.Integer, ct);
        }
        await copy.CompleteAsync(ct);
    }

    public async Task SaveErrorsAsync(Guid importId, List<RowError> errors, long failedRows, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await CopyErrorsAsync(connection, importId, errors, ct);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE imports SET rows_failed = rows_failed + @Failed WHERE id = @Id",
            new { Id = importId, Failed = failedRows }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    /// <summary>The import's outcome, TasksImportCompleted in the outbox and the stored file's removal, in one transaction.</summary>
    public async Task FinishAsync(ImportState import, long rowsTotal, string? failure, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var counts = await connection.QuerySingleAsync<(long TasksCreated, long RowsFailed, long RowsProcessed)>(new CommandDefinition(
            "SELECT tasks_created, rows_failed, rows_processed FROM imports WHERE id = @Id", new { import.Id }, transaction, cancellationToken: ct));
        var total = rowsTotal < 0 ? counts.RowsProcessed : rowsTotal;
        var status = failure is not null || (counts.RowsFailed > 0 && import.Mode == ImportModes.Atomic)
            ? ImportStatuses.Failed
            : counts.RowsFailed == 0 ? ImportStatuses.Succeeded
            : counts.RowsFailed >= total ? ImportStatuses.Failed
            : ImportStatuses.PartiallySucceeded;
        var completed = await connection.QuerySingleAsync<TasksImportCompleted>(new CommandDefinition(FinishSql,
            new { import.Id, Status = status, RowsTotal = total, Failure = failure }, transaction, cancellationToken: ct));
        // A finished import is never read again (only a queued or running one resumes), so its file goes with it.
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM import_files WHERE import_id = @Id", new { import.Id }, transaction,
            commandTimeout: 600, cancellationToken: ct));
        await outbox.EnqueueAsync(connection, transaction, completed, ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Import {ImportId} finished {Status}: {Rows} rows, {Created} tasks, {Failed} rows failed",
            import.Id, status, total, completed.TasksCreated, completed.RowsFailed);
    }
}

public sealed class ImportBatch(long from, int capacity)
{
    public long From { get; } = from;
    public long To { get; set; }
    public List<ValidRow> Rows { get; } = new(capacity);
    public List<RowError> Errors { get; } = [];
}

/// <summary>How far a batch being landed has got, for the batch after it.</summary>
public sealed class BatchTurn
{
    public TaskCompletionSource Copied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The turn before the first batch: nothing to wait for.</summary>
    public static BatchTurn Completed()
    {
        var turn = new BatchTurn();
        turn.Copied.SetResult();
        turn.Committed.SetResult();
        return turn;
    }
}
