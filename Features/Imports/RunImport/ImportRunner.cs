using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CsvHelper;
using CsvHelper.Configuration;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskManager.Features.TaskLog;
using TaskManager.Infrastructure.Messaging.Outbox;
using TaskManager.Infrastructure.Observability;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Runs an import on a worker: reads the stored file as a stream, checks each row, and lands valid rows in
/// batches. Each batch's tasks (binary COPY), today's log rows and audit entries (set-based), row errors and the
/// checkpoint commit in one transaction, so a worker killed at any point resumes after the last checkpoint and
/// every valid row lands exactly once (the unique (import_id, import_row) on tasks guarantees it even so).</summary>
public sealed class ImportRunner(NpgsqlDataSource db, TaskLogCache cache, Outbox outbox, IOptions<ImportOptions> options,
    TimeProvider clock, ILogger<ImportRunner> logger, IMeterFactory meters)
{
    // Rows committed, by outcome: its rate is the import throughput (rows per second) a dashboard shows.
    private readonly Counter<long> rowsCounter = meters.Create(Meters.Imports)
        .CreateCounter<long>("imports.rows", unit: "{row}", description: "CSV rows committed by imports, by status (imported, failed)");

    private const string LoadSql = """
        SELECT i.id, i.requested_by, u.username AS requested_by_username, i.mode, i.status, i.checkpoint_row, i.tasks_created, i.rows_failed
        FROM imports i JOIN users u ON u.id = i.requested_by WHERE i.id = @Id
        """;

    private const string StartSql = "UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = @Id";

    private const string LandSql = """
        INSERT INTO task_logger (task_id, log_date, status, priority)
        SELECT id, (now() AT TIME ZONE 'utc')::date, status, priority FROM tasks
        WHERE import_id = @Id AND import_row > @From AND import_row <= @To
        ON CONFLICT (task_id, log_date) DO NOTHING;

        INSERT INTO task_audit (message_id, task_id, action, changes, previous_status, new_status, modified_by, modified_by_username, changed_at)
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
                       ELSE jsonb_build_object('description', jsonb_build_object('old', NULL, 'new', t.description)) END,
               NULL, t.status, @UserId, @Username, now()
        FROM tasks t WHERE t.import_id = @Id AND t.import_row > @From AND t.import_row <= @To;
        """;

    private const string CheckpointSql = """
        UPDATE imports SET checkpoint_row = @To, rows_processed = @To, rows_total = greatest(rows_total, @To),
               tasks_created = tasks_created + @Created, rows_failed = rows_failed + @Failed
        WHERE id = @Id
        """;

    private const string FinishSql = """
        UPDATE imports SET status = @Status, rows_total = @RowsTotal, rows_processed = @RowsTotal, failure = @Failure, finished_at = now()
        WHERE id = @Id
        RETURNING id AS import_id, status, mode, rows_total, tasks_created, rows_failed, failure, finished_at
        """;

    public async Task RunAsync(Guid importId, CancellationToken ct)
    {
        // One worker per import: a redelivered message or the recovery sweep finds the lock taken and leaves.
        await using var lockConnection = await db.OpenConnectionAsync(ct);
        var key = new { Key = importId.ToString() };
        if (!await lockConnection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(hashtextextended(@Key, 0))", key, cancellationToken: ct)))
        {
            logger.LogInformation("Import {ImportId} is already being run by another worker", importId);
            return;
        }
        try
        {
            await RunLockedAsync(importId, ct);
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(hashtextextended(@Key, 0))", key, cancellationToken: CancellationToken.None));
        }
    }

    private async Task RunLockedAsync(Guid importId, CancellationToken ct)
    {
        ImportState? import;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            import = await connection.QuerySingleOrDefaultAsync<ImportState>(new CommandDefinition(LoadSql, new { Id = importId }, cancellationToken: ct));
            if (import is null || import.Status is not (ImportStatuses.Queued or ImportStatuses.Running))
            {
                return; // unknown, or finished already: nothing to do twice
            }
            await connection.ExecuteAsync(new CommandDefinition(StartSql, new { Id = importId }, cancellationToken: ct));
        }
        logger.LogInformation("Import {ImportId} ({Mode}) starting after row {Checkpoint}", importId, import.Mode, import.CheckpointRow);

        string? failure = null;
        long rowsTotal;
        try
        {
            rowsTotal = import.Mode == ImportModes.Partial
                ? await ImportInBatchesAsync(import, ct)
                : await ValidateThenImportAsync(import, ct);
        }
        catch (Exception ex) when (ex is DecoderFallbackException or CsvHelperException or InvalidDataException)
        {
            // The file itself is unreadable past some point: what was committed stays, the rest is reported.
            failure = ex is DecoderFallbackException ? "The file is not valid UTF-8 text." : $"The file could not be read as CSV: {ex.Message}";
            rowsTotal = -1;
        }
        await FinishAsync(import, rowsTotal, failure, ct);
    }

    /// <summary>partial: every valid row lands; each batch commits with its checkpoint.
    /// Reading and checking rows (CPU in this process) overlaps landing the batch before (work in PostgreSQL):
    /// one batch waits while one lands, so neither side idles while the other works.</summary>
    private async Task<long> ImportInBatchesAsync(ImportState import, CancellationToken ct)
    {
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var landingFailed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var landing = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in batches.Reader.ReadAllAsync(ct))
                {
                    await CommitBatchAsync(import, batch, ct);
                }
            }
            catch
            {
                await landingFailed.CancelAsync(); // stop reading: nothing more can land
                throw;
            }
        }, CancellationToken.None);

        try
        {
            return await ReadBatchesAsync(import, batches.Writer, landingFailed.Token);
        }
        finally
        {
            // Batches read before an unreadable part of the file still land, as they would have one at a time. When
            // landing failed, its exception (thrown here) is the one reported, not the reader's cancellation.
            batches.Writer.TryComplete();
            await landing;
        }
    }

    private async Task<long> ReadBatchesAsync(ImportState import, ChannelWriter<Batch> batches, CancellationToken ct)
    {
        var batchSize = options.Value.BatchSize;
        var batch = new Batch(import.CheckpointRow, batchSize);
        long last = import.CheckpointRow;
        await foreach (var (row, valid, rowErrors) in ReadRowsAsync(import, ct))
        {
            last = row;
            if (row <= import.CheckpointRow)
            {
                continue;
            }
            if (valid is not null)
            {
                batch.Rows.Add(valid);
            }
            else
            {
                batch.Errors.AddRange(rowErrors!);
            }
            if (row - batch.From >= batchSize)
            {
                batch.To = row;
                await batches.WriteAsync(batch, ct);
                batch = new Batch(row, batchSize);
            }
        }
        if (last > batch.From)
        {
            batch.To = last;
            await batches.WriteAsync(batch, ct);
        }
        return last;
    }

    /// <summary>The rows after From up to and including To: the valid ones and the errors of the others.</summary>
    private sealed class Batch(long from, int capacity)
    {
        public long From { get; } = from;
        public long To { get; set; }
        public List<ValidRow> Rows { get; } = new(capacity);
        public List<RowError> Errors { get; } = [];
    }

    /// <summary>atomic and dry_run: every row is checked first; atomic then lands all of them in one transaction,
    /// or none if any row failed. A worker killed midway starts these again from the top.</summary>
    private async Task<long> ValidateThenImportAsync(ImportState import, CancellationToken ct)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM import_errors WHERE import_id = @Id; UPDATE imports SET tasks_created = 0, rows_failed = 0, checkpoint_row = 0 WHERE id = @Id",
                new { import.Id }, cancellationToken: ct));
        }
        var errors = new List<RowError>();
        long rows = 0, failedRows = 0;
        await foreach (var (row, valid, rowErrors) in ReadRowsAsync(import, ct))
        {
            rows = row;
            if (valid is null)
            {
                failedRows++;
                errors.AddRange(rowErrors!);
                if (errors.Count >= options.Value.BatchSize)
                {
                    await SaveErrorsAsync(import.Id, errors, failedRows, ct);
                    failedRows = 0;
                    errors.Clear();
                }
            }
        }
        await SaveErrorsAsync(import.Id, errors, failedRows, ct);
        if (import.Mode == ImportModes.DryRun || await RowsFailedAsync(import.Id, ct) > 0)
        {
            return rows;
        }

        // Every row is valid: land them all in one transaction.
        await using var landing = await db.OpenConnectionAsync(ct);
        await using var transaction = await landing.BeginTransactionAsync(ct);
        var batch = new List<ValidRow>(options.Value.BatchSize);
        long from = 0;
        await foreach (var (row, valid, _) in ReadRowsAsync(import, ct))
        {
            batch.Add(valid!);
            if (batch.Count >= options.Value.BatchSize)
            {
                await LandAsync(landing, transaction, import, batch, from, row, ct);
                from = row;
                batch.Clear();
            }
        }
        await LandAsync(landing, transaction, import, batch, from, rows, ct);
        await landing.ExecuteAsync(new CommandDefinition(CheckpointSql, new { import.Id, To = rows, Created = rows, Failed = 0L }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        CountRows(rows, 0);
        await cache.InvalidateAsync();
        return rows;
    }

    private async Task CommitBatchAsync(ImportState import, Batch rows, CancellationToken ct)
    {
        var (batch, errors, from, to) = (rows.Rows, rows.Errors, rows.From, rows.To);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await LandAsync(connection, transaction, import, batch, from, to, ct);
        await CopyErrorsAsync(connection, import.Id, errors, ct);
        var failed = errors.Select(e => e.Row).Distinct().LongCount();
        await connection.ExecuteAsync(new CommandDefinition(CheckpointSql,
            new { import.Id, To = to, Created = (long)batch.Count, Failed = failed }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        CountRows(batch.Count, failed);
        if (batch.Count > 0)
        {
            await cache.InvalidateAsync();
        }
        logger.LogInformation("Import {ImportId}: rows {From}-{To} committed ({Created} tasks, {Failed} rows failed)", import.Id, from + 1, to, batch.Count, failed);
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

    /// <summary>The batch's tasks by binary COPY, then their log rows and audit entries set-based.</summary>
    private async Task LandAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ImportState import, List<ValidRow> batch,
        long from, long to, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY tasks (task_name, description, status, priority, assigned_user_id, created_by, created_at, updated_at, import_id, import_row) FROM STDIN (FORMAT BINARY)", ct))
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
            }
            await copy.CompleteAsync(ct);
        }
        await connection.ExecuteAsync(new CommandDefinition(LandSql,
            new { import.Id, From = from, To = to, UserId = import.RequestedBy, Username = import.RequestedByUsername }, transaction,
            commandTimeout: 600, cancellationToken: ct));
    }

    private static async Task CopyErrorsAsync(NpgsqlConnection connection, Guid importId, List<RowError> errors, CancellationToken ct)
    {
        if (errors.Count == 0)
        {
            return;
        }
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY import_errors (import_id, row_number, column_name, code, message, value) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var error in errors)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(importId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(error.Row, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(error.Column, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Code, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Message, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(error.Value, NpgsqlDbType.Text, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private async Task SaveErrorsAsync(Guid importId, List<RowError> errors, long failedRows, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await CopyErrorsAsync(connection, importId, errors, ct);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE imports SET rows_failed = rows_failed + @Failed WHERE id = @Id",
            new { Id = importId, Failed = failedRows }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    private async Task<long> RowsFailedAsync(Guid importId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT rows_failed FROM imports WHERE id = @Id", new { Id = importId }, cancellationToken: ct));
    }

    private async Task FinishAsync(ImportState import, long rowsTotal, string? failure, CancellationToken ct)
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
        await outbox.EnqueueAsync(connection, transaction, completed, ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Import {ImportId} finished {Status}: {Rows} rows, {Created} tasks, {Failed} rows failed",
            import.Id, status, total, completed.TasksCreated, completed.RowsFailed);
    }

    /// <summary>The file's data rows, numbered from 1 after the header, each checked against the rules.</summary>
    private async IAsyncEnumerable<(long Row, ValidRow? Valid, List<RowError>? Errors)> ReadRowsAsync(ImportState import,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, long> users;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            users = (await connection.QueryAsync<(string Name, long Id)>(new CommandDefinition(
                "SELECT lower(username), id FROM users WHERE is_active", cancellationToken: ct))).ToDictionary(u => u.Name, u => u.Id);
        }
        var now = clock.GetUtcNow().UtcDateTime;

        await using var fileConnection = await db.OpenConnectionAsync(ct);
        await using var file = await ImportFileStore.OpenReadAsync(fileConnection, import.Id, ct);
        using var text = new StreamReader(file, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        using var csv = new CsvReader(text, CsvSettings);
        if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
        {
            yield break;
        }
        var columns = CsvRows.MapHeader(header);
        if (CsvRows.MissingColumns(columns) is { Length: > 0 } missing)
        {
            throw new InvalidDataException($"the header lacks {string.Join(", ", missing)}");
        }

        long row = 0;
        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            row++;
            var record = csv.Parser.Record ?? [];
            var (valid, errors) = CsvRows.Parse(row,
                column => columns.TryGetValue(column, out var index) && index < record.Length ? record[index] : null,
                users, import.RequestedBy, now);
            yield return (row, valid, errors);
        }
    }

    public static CsvConfiguration CsvSettings { get; } = new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        MissingFieldFound = null,
        BadDataFound = null,
        HeaderValidated = null,
        DetectColumnCountChanges = false,
        IgnoreBlankLines = true,
    };

    private sealed class ImportState
    {
        public Guid Id { get; init; }
        public long RequestedBy { get; init; }
        public string RequestedByUsername { get; init; } = "";
        public string Mode { get; init; } = ImportModes.Partial;
        public string Status { get; init; } = ImportStatuses.Queued;
        public long CheckpointRow { get; init; }
    }
}
