using System.ComponentModel.DataAnnotations;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.TaskLog.TakeSnapshot;

public sealed class SnapshotOptions
{
    public const string Section = "TaskLog";

    /// <summary>Time of day (UTC, HH:mm) of the daily snapshot.</summary>
    [RegularExpression(@"\A([01]\d|2[0-3]):[0-5]\d\z", ErrorMessage = "TaskLog:SnapshotTimeUtc must be HH:mm (UTC), like 00:00.")]
    public string SnapshotTimeUtc { get; set; } = "00:00";

    /// <summary>Run the scheduler in this process (worker and all roles).</summary>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>A second, idempotent pass this long after the first catches tasks whose creation was still
    /// committing at the scheduled moment.</summary>
    [Range(0, 3600)]
    public int SweepDelaySeconds { get; set; } = 60;

    /// <summary>Task ids the snapshot writes a transaction: a change to a task waits for one batch at most.</summary>
    [Range(1, 10_000_000)]
    public int SnapshotBatchSize { get; set; } = 50_000;

    public TimeOnly Time => TimeOnly.ParseExact(SnapshotTimeUtc, "HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Requests the daily snapshot at the configured UTC time, and on start when today's is missing
/// (a worker that was down at midnight catches up). The request goes through the outbox to a worker's
/// TakeSnapshotConsumer. Safe with several workers: the snapshot is idempotent.</summary>
public sealed class SnapshotScheduler(NpgsqlDataSource db, OutboxWriter outbox, TimeProvider clock,
    IOptions<SnapshotOptions> options, ILogger<SnapshotScheduler> logger) : BackgroundService
{
    private const string TakenSql = "SELECT EXISTS (SELECT 1 FROM task_log_snapshots WHERE log_date = @LogDate)";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var today = Today();
            await using (var connection = await db.OpenConnectionAsync(stoppingToken))
            {
                if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TakenSql, new { LogDate = today }, cancellationToken: stoppingToken)))
                {
                    logger.LogInformation("No daily snapshot for {LogDate:yyyy-MM-dd} yet: catching up", today);
                    await RequestAsync(today, stoppingToken);
                }
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var now = clock.GetUtcNow();
                var next = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime).ToDateTime(options.Value.Time), TimeSpan.Zero);
                if (next <= now)
                {
                    next = next.AddDays(1);
                }
                logger.LogInformation("Next daily snapshot at {Next:u}", next);
                await Task.Delay(next - now, clock, stoppingToken);
                var date = DateOnly.FromDateTime(next.UtcDateTime);
                await RequestAsync(date, stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(options.Value.SweepDelaySeconds), clock, stoppingToken);
                await RequestAsync(date, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RequestAsync(DateOnly date, CancellationToken ct)
    {
        // A failed request is logged and retried; the snapshot itself is retried by its consumer.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await outbox.EnqueueAsync(connection, null, new TakeTaskLogSnapshot { LogDate = date }, ct);
                logger.LogInformation("Requested the daily snapshot for {LogDate:yyyy-MM-dd}", date);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogError(ex, "Requesting the daily snapshot for {LogDate:yyyy-MM-dd} failed (attempt {Attempt})", date, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt * 5, 60)), clock, ct);
            }
        }
    }

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
