using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.Changes.Retention;

/// <summary>Removes changes older than Changes:RetentionDays, oldest position first, and records the last position it
/// removed: an `after` before that has a gap, and the feed answers it 410. Runs on workers, one instance at a time.</summary>
public sealed class ChangeRetention(NpgsqlDataSource db, IOptions<ChangesOptions> options, TimeProvider clock, ILogger<ChangeRetention> logger)
    : ExclusiveSweep(db, clock, logger)
{
    public const int Batch = 5_000;

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

    protected override string Name => "change-retention";

    protected override TimeSpan Interval => TimeSpan.FromMinutes(options.Value.RetentionIntervalMinutes);

    protected override Task TurnAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>One sweep: the number of changes removed, or null when another instance is sweeping.</summary>
    public async Task<long?> SweepAsync(CancellationToken ct)
    {
        var before = Clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.RetentionDays);
        long total = 0;
        var swept = await ExclusivelyAsync(async connection =>
        {
            long deleted;
            do
            {
                deleted = await connection.ExecuteScalarAsync<long>(new CommandDefinition(SweepSql, new { Before = before, Batch }, cancellationToken: ct));
                total += deleted;
            }
            while (deleted == Batch);
        }, ct);
        if (total > 0)
        {
            Logger.LogInformation("Change retention removed {Count} changes", total);
        }
        return swept ? total : null;
    }
}
