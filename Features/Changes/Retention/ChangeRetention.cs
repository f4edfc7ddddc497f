namespace TaskManager.Features.Changes.Retention;

/// <summary>Removes changes older than Changes:RetentionDays, oldest position first, and records the last position it
/// removed: an `after` before that has a gap, and the feed answers it 410. Runs on workers, one instance at a time.</summary>
public sealed class ChangeRetention(NpgsqlDataSource db, IOptions<ChangesOptions> options, TimeProvider clock, ILogger<ChangeRetention> logger)
    : BackgroundService
{
    public const int Batch = 5_000;

    private const string LockSql = "SELECT pg_try_advisory_lock(hashtext('change-retention'))";
    private const string UnlockSql = "SELECT pg_advisory_unlock(hashtext('change-retention'))";

    // Only a leading run of old changes goes, so everything kept follows the recorded position with no hole; a change
    // that commits late sits past the horizon and is never in the run.
    private const string SweepSql = """
        WITH head AS (
            SELECT txid, seq, bool_and(occurred_at < @Before) OVER (ORDER BY txid, seq) AS old
            FROM (SELECT txid, seq, occurred_at FROM changes WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
                  ORDER BY txid, seq LIMIT @Batch) h
        ), gone AS (
            DELETE FROM changes c USING head WHERE head.old AND c.txid = head.txid AND c.seq = head.seq RETURNING c.txid, c.seq
        ), mark AS (
            INSERT INTO change_retention (purged_txid, purged_seq)
            SELECT txid, seq FROM gone ORDER BY txid DESC, seq DESC LIMIT 1
            ON CONFLICT (only_row) DO UPDATE SET purged_txid = EXCLUDED.purged_txid, purged_seq = EXCLUDED.purged_seq
        )
        SELECT count(*) FROM gone
        """;

    /// <summary>One sweep: the number of changes removed, or null when another instance is sweeping.</summary>
    public async Task<long?> SweepAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(LockSql, cancellationToken: ct)))
        {
            return null;
        }
        try
        {
            var before = clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.RetentionDays);
            long total = 0;
            long deleted;
            do
            {
                deleted = await connection.ExecuteScalarAsync<long>(new CommandDefinition(SweepSql, new { Before = before, Batch }, cancellationToken: ct));
                total += deleted;
            }
            while (deleted == Batch);
            if (total > 0)
            {
                logger.LogInformation("Change retention removed {Count} changes", total);
            }
            return total;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition(UnlockSql, cancellationToken: CancellationToken.None));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    logger.LogError(ex, "Change retention failed; it runs again later");
                }
                await Task.Delay(TimeSpan.FromMinutes(options.Value.RetentionIntervalMinutes), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
