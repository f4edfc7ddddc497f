using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>An attempt made: the delivery, and what the receiver answered (no status code when none did).</summary>
internal sealed record Attempt(ClaimedDelivery Delivery, int? StatusCode, string? Error, TimeSpan Elapsed)
{
    public bool Succeeded => StatusCode is >= 200 and <= 299;
}

/// <summary>Records attempts as they finish, all that finished meanwhile in one statement (one commit, not one per
/// delivery), while the dispatcher goes on sending: recording never holds up the next request.</summary>
internal sealed class AttemptRecorder(NpgsqlDataSource db, WebhookOptions settings, ILogger logger, Counter<long> deliveries, Histogram<double> durations)
{
    // A subscription's row is touched only when its failing streak starts, ends (any success in the batch), or has
    // lasted long enough to stop it.
    private const string RecordSql = """
        WITH r AS (
            SELECT * FROM unnest(@Ids, @Succeeded, @RetryInSeconds, @StatusCodes, @Errors, @DurationsMs)
                AS r(id, succeeded, retry_in, status_code, error, duration_ms)
        ), delivery AS (
            UPDATE webhook_deliveries d SET
                attempts = d.attempts + 1,
                status = CASE WHEN r.succeeded THEN 'succeeded' WHEN r.retry_in IS NULL THEN 'failed' ELSE 'pending' END,
                last_status_code = r.status_code, last_error = r.error,
                next_attempt_at = CASE WHEN NOT r.succeeded AND r.retry_in IS NOT NULL THEN now() + make_interval(secs => r.retry_in) END,
                completed_at = CASE WHEN r.succeeded OR r.retry_in IS NULL THEN now() END
            FROM r
            WHERE d.id = r.id AND d.status = 'pending'
            RETURNING d.id, d.subscription_id, r.succeeded, r.status_code, r.error, r.duration_ms
        ), attempt AS (
            INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms)
            SELECT id, status_code, error, duration_ms FROM delivery
        ), outcome AS (
            SELECT subscription_id, bool_or(succeeded) AS succeeded FROM delivery GROUP BY subscription_id
        )
        UPDATE webhook_subscriptions s SET
            failing_since = CASE WHEN o.succeeded THEN NULL ELSE coalesce(s.failing_since, now()) END,
            active = s.active AND (o.succeeded OR s.failing_since IS NULL OR s.failing_since > now() - make_interval(secs => @DisableAfterSeconds))
        FROM outcome o
        WHERE s.id = o.subscription_id
          AND CASE WHEN o.succeeded THEN s.failing_since IS NOT NULL
                   ELSE s.failing_since IS NULL OR s.failing_since <= now() - make_interval(secs => @DisableAfterSeconds) END
        RETURNING s.id, s.active
        """;

    private const int MaxBatch = 1_000;

    private readonly Channel<Attempt> finished = Channel.CreateUnbounded<Attempt>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int[] schedule = settings.RetrySchedule();

    public void Add(Attempt attempt) => finished.Writer.TryWrite(attempt);

    /// <summary>No more attempts will come: the run ends once those already added are recorded.</summary>
    public void Complete() => finished.Writer.TryComplete();

    /// <summary>Records until completed. Not cancellable: an attempt made is recorded even while the worker stops, since
    /// a lost record only means one more send.</summary>
    public async Task RunAsync()
    {
        var batch = new List<Attempt>();
        while (await finished.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && finished.Reader.TryRead(out var attempt))
            {
                batch.Add(attempt);
            }
            try
            {
                await RecordAsync(batch);
            }
            catch (Exception ex)
            {
                // The deliveries stay leased: they come due again and are sent once more, with the same webhook-id.
                logger.LogWarning("Webhook dispatcher could not record {Count} attempts ({Error}); they will be sent again", batch.Count, ex.Message);
            }
        }
    }

    private async Task RecordAsync(List<Attempt> attempts)
    {
        var retryIn = new double?[attempts.Count];
        for (var i = 0; i < attempts.Count; i++)
        {
            var attempt = attempts[i];
            var number = attempt.Delivery.Attempts + 1;
            retryIn[i] = attempt.Succeeded || number > schedule.Length ? null : schedule[number - 1];
            deliveries.Add(1, new KeyValuePair<string, object?>("outcome", attempt.Succeeded ? "succeeded" : retryIn[i] is null ? "failed" : "retrying"));
            durations.Record(attempt.Elapsed.TotalSeconds);
        }
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var stopped = await connection.QueryAsync<(long Id, bool Active)>(new CommandDefinition(RecordSql, new
        {
            Ids = attempts.Select(a => a.Delivery.Id).ToArray(),
            Succeeded = attempts.Select(a => a.Succeeded).ToArray(),
            RetryInSeconds = retryIn,
            StatusCodes = attempts.Select(a => a.StatusCode).ToArray(),
            Errors = attempts.Select(a => a.Error).ToArray(),
            DurationsMs = attempts.Select(a => (int)Math.Min(int.MaxValue, a.Elapsed.TotalMilliseconds)).ToArray(),
            DisableAfterSeconds = settings.DisableAfterHours * 3600,
        }));
        foreach (var subscription in stopped.Where(s => !s.Active))
        {
            logger.LogWarning("Webhook {WebhookId} set inactive: its deliveries have failed for {Hours} h", subscription.Id, settings.DisableAfterHours);
        }
    }
}
