using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.Imports.Retention;

public sealed record ImportRetentionSweep(long FileChunks, long Errors);

/// <summary>Keeps imports from growing storage for ever: removes the row errors of imports finished more than
/// Imports:ErrorRetentionDays ago, and any file a finished import still has (an import's file goes when it finishes;
/// older versions kept them). Runs hourly on workers, one instance at a time, in short batches.</summary>
public sealed class ImportRetention(NpgsqlDataSource db, IOptions<ImportOptions> options, TimeProvider clock, ILogger<ImportRetention> logger)
    : ExclusiveSweep(db, clock, logger)
{
    public const int ErrorsPerBatch = 5_000;
    // A chunk is up to Imports:ChunkBytes (1 MB by default): a few at a time keeps each delete short.
    private const int ChunksPerBatch = 16;

    private const string FilesSql = """
        DELETE FROM import_files f USING (
            SELECT c.import_id, c.chunk_no FROM import_files c JOIN imports i ON i.id = c.import_id
            WHERE i.status NOT IN ('queued', 'running') LIMIT @Batch) d
        WHERE f.import_id = d.import_id AND f.chunk_no = d.chunk_no
        """;

    private const string ErrorsSql = """
        DELETE FROM import_errors e USING (
            SELECT r.import_id, r.row_number, r.column_name FROM imports i JOIN import_errors r ON r.import_id = i.id
            WHERE i.finished_at < @Before LIMIT @Batch) d
        WHERE e.import_id = d.import_id AND e.row_number = d.row_number AND e.column_name = d.column_name
        """;

    protected override string Name => "import-retention";

    protected override TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    protected override Task TurnAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>One sweep; null when another instance is sweeping.</summary>
    public async Task<ImportRetentionSweep?> SweepAsync(CancellationToken ct, int errorsPerBatch = ErrorsPerBatch)
    {
        var before = Clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.ErrorRetentionDays);
        ImportRetentionSweep? sweep = null;
        await ExclusivelyAsync(async connection => sweep = new ImportRetentionSweep(
            await DeleteAllAsync(connection, FilesSql, new { Batch = ChunksPerBatch }, ct),
            await DeleteAllAsync(connection, ErrorsSql, new { Before = before, Batch = errorsPerBatch }, ct)), ct);
        if (sweep is { FileChunks: > 0 } or { Errors: > 0 })
        {
            Logger.LogInformation("Import retention removed {Chunks} file chunks and {Errors} row errors", sweep.FileChunks, sweep.Errors);
        }
        return sweep;
    }

    // Each batch commits on its own, so no lock is held for longer than one batch.
    private static async Task<long> DeleteAllAsync(NpgsqlConnection connection, string sql, object args, CancellationToken ct)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
            total += deleted;
        }
        while (deleted > 0);
        return total;
    }
}
