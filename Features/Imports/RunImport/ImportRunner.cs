using System.Threading.Channels;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Runs an import on a worker: streams the stored file, checks rows, and lands them in batches, each committed
/// with its checkpoint, so a killed worker resumes after the last one and every valid row lands once
/// (docs/reliability.md). An import always ends: whatever stops it for good fails it, with a reason.</summary>
public sealed class ImportRunner(NpgsqlDataSource db, ImportRowReader reader, ImportLanding landing, IOptions<ImportOptions> options,
    ILogger<ImportRunner> logger)
{
    private const string LoadSql = """
        SELECT i.id, i.project_id, i.requested_by, u.username AS requested_by_username, i.mode, i.status, i.checkpoint_row, i.tasks_created, i.rows_failed
        FROM imports i JOIN users u ON u.id = i.requested_by WHERE i.id = @Id
        """;

    private const string StartSql = "UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = @Id";

    public Task RunAsync(Guid importId, CancellationToken ct) => WithLockAsync(importId, () => RunLockedAsync(importId, ct), ct);

    /// <summary>Ends an import that cannot go on (its retries are spent) as failed, so it never stays running.</summary>
    public Task GiveUpAsync(Guid importId, string reason, CancellationToken ct) => WithLockAsync(importId, async () =>
    {
        if (await StartAsync(importId, ct) is { } import)
        {
            await landing.FinishAsync(import, -1, reason, ct);
        }
    }, ct);

    private async Task WithLockAsync(Guid importId, Func<Task> work, CancellationToken ct)
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
            await work();
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(hashtextextended(@Key, 0))", key, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>The import, marked running; null when it is unknown or already finished (nothing to do twice).</summary>
    private async Task<ImportState?> StartAsync(Guid importId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var import = await connection.QuerySingleOrDefaultAsync<ImportState>(new CommandDefinition(LoadSql, new { Id = importId }, cancellationToken: ct));
        if (import is null || import.Status is not (ImportStatuses.Queued or ImportStatuses.Running))
        {
            return null;
        }
        await connection.ExecuteAsync(new CommandDefinition(StartSql, new { Id = importId }, cancellationToken: ct));
        return import;
    }

    private async Task RunLockedAsync(Guid importId, CancellationToken ct)
    {
        if (await StartAsync(importId, ct) is not { } import)
        {
            return;
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
        catch (Exception ex) when (!ImportFailure.IsTransient(ex, ct))
        {
            // What was committed stays; the rest is reported.
            failure = ImportFailure.Describe(ex, options.Value.MaxFieldChars);
            if (failure == ImportFailure.Unexpected)
            {
                logger.LogError(ex, "Import {ImportId} stopped on an unexpected error", importId);
            }
            rowsTotal = -1;
        }
        await landing.FinishAsync(import, rowsTotal, failure, ct);
    }

    /// <summary>partial: every valid row lands; each batch commits with its checkpoint.
    /// Reading and checking rows (CPU in this process) overlaps landing the batch before (work in PostgreSQL):
    /// one batch waits while one lands, so neither side idles while the other works.</summary>
    private async Task<long> ImportInBatchesAsync(ImportState import, CancellationToken ct)
    {
        var batches = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var landingFailed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var landingTask = Task.Run(async () =>
        {
            // Up to three batches land at once (see ImportLanding.CommitBatchAsync): while one commits, the next ones are copied.
            var inFlight = new Queue<Task>();
            var previous = BatchTurn.Completed();
            try
            {
                await foreach (var batch in batches.Reader.ReadAllAsync(ct))
                {
                    var turn = new BatchTurn();
                    inFlight.Enqueue(landing.CommitBatchAsync(import, batch, previous, turn, ct));
                    previous = turn;
                    if (inFlight.Count == 3)
                    {
                        await inFlight.Dequeue();
                    }
                }
                await Task.WhenAll(inFlight);
            }
            catch
            {
                await landingFailed.CancelAsync(); // stop reading: nothing more can land
                await Task.WhenAll(inFlight).ContinueWith(_ => { }, TaskScheduler.Default); // they fail with it
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
            await landingTask;
        }
    }

    private async Task<long> ReadBatchesAsync(ImportState import, ChannelWriter<ImportBatch> batches, CancellationToken ct)
    {
        var batchSize = options.Value.BatchSize;
        var batch = new ImportBatch(import.CheckpointRow, batchSize);
        long last = import.CheckpointRow;
        await foreach (var (row, valid, rowErrors) in reader.ReadAsync(import, ct))
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
                batch = new ImportBatch(row, batchSize);
            }
        }
        if (last > batch.From)
        {
            batch.To = last;
            await batches.WriteAsync(batch, ct);
        }
        return last;
    }

    /// <summary>atomic and dry_run: every row is checked first; atomic then lands all of them in one transaction,
    /// or none if any row failed. A worker killed midway starts these again from the top.</summary>
    private async Task<long> ValidateThenImportAsync(ImportState import, CancellationToken ct)
    {
        await using (var reset = await db.OpenConnectionAsync(ct))
        {
            await reset.ExecuteAsync(new CommandDefinition(
                "DELETE FROM import_errors WHERE import_id = @Id; UPDATE imports SET tasks_created = 0, rows_failed = 0, checkpoint_row = 0 WHERE id = @Id",
                new { import.Id }, cancellationToken: ct));
        }
        var errors = new List<RowError>();
        long rows = 0, failedRows = 0;
        await foreach (var (row, valid, rowErrors) in reader.ReadAsync(import, ct))
        {
            rows = row;
            if (valid is null)
            {
                failedRows++;
                errors.AddRange(rowErrors!);
                if (errors.Count >= options.Value.BatchSize)
                {
                    await landing.SaveErrorsAsync(import.Id, errors, failedRows, ct);
                    failedRows = 0;
                    errors.Clear();
                }
            }
        }
        await landing.SaveErrorsAsync(import.Id, errors, failedRows, ct);
        if (import.Mode == ImportModes.DryRun || await RowsFailedAsync(import.Id, ct) > 0)
        {
            return rows;
        }

        // Every row is valid: land them all in one transaction.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var batch = new List<ValidRow>(options.Value.BatchSize);
        long from = 0;
        await foreach (var (row, valid, _) in reader.ReadAsync(import, ct))
        {
            batch.Add(valid!);
            if (batch.Count >= options.Value.BatchSize)
            {
                await landing.LandAsync(connection, transaction, import, batch, from, row, ct);
                from = row;
                batch.Clear();
            }
        }
        await landing.LandAsync(connection, transaction, import, batch, from, rows, ct);
        await connection.ExecuteAsync(new CommandDefinition(ImportLanding.CheckpointSql, new { import.Id, To = rows, Created = rows, Failed = 0L }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        await landing.CommittedAsync(rows, 0);
        return rows;
    }

    private async Task<long> RowsFailedAsync(Guid importId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT rows_failed FROM imports WHERE id = @Id", new { Id = importId }, cancellationToken: ct));
    }


}

public sealed class ImportState
{
    public Guid Id { get; init; }
    public long ProjectId { get; init; }
    public long RequestedBy { get; init; }
    public string RequestedByUsername { get; init; } = "";
    public string Mode { get; init; } = ImportModes.Partial;
    public string Status { get; init; } = ImportStatuses.Queued;
    public long CheckpointRow { get; init; }
}
