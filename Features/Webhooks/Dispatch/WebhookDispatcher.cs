using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly.Timeout;

namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>Sends due deliveries from a worker. Claims them with FOR UPDATE SKIP LOCKED and leases them (next_attempt_at
/// moves past the attempt's timeout), so several workers share the work and never send one delivery at the same time, and
/// a crashed worker's deliveries come due again with the same webhook-id. Each attempt is recorded; a failure waits per
/// Webhooks:RetryScheduleSeconds in the database, and a subscription failing for Webhooks:DisableAfterHours is set inactive.</summary>
public sealed class WebhookDispatcher(NpgsqlDataSource db, IHttpClientFactory clients, WebhookSecrets secrets, IOptions<WebhookOptions> options,
    TimeProvider clock, ILogger<WebhookDispatcher> logger, IMeterFactory meters) : BackgroundService
{
    private const string ClaimSql = """
        WITH due AS (
            SELECT d.id, d.subscription_id, d.next_attempt_at
            FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.active
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            LIMIT @BatchSize
            FOR UPDATE OF d SKIP LOCKED
        ), picked AS (
            SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY subscription_id ORDER BY next_attempt_at, id) AS n FROM due) r
            WHERE n <= @PerSubscription
        )
        UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => @LeaseSeconds)
        FROM picked p, webhook_subscriptions s
        WHERE d.id = p.id AND s.id = d.subscription_id
        RETURNING d.id, d.subscription_id, d.body, d.attempts, d.created_at, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
        """;

    // A round's attempts are recorded in one statement (one commit, not one per delivery). A subscription's row is
    // touched only when its failing streak starts, ends (any success in the round), or has lasted long enough to stop it.
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

    // Looked at first, on one table: most rounds find nothing, and the claim (which locks two tables) is not run for nothing.
    private const string AnyDueSql = "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now())";

    private const string OldestSql = "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM webhook_deliveries WHERE status = 'pending'";

    // An attempt ends within the timeout (the resilience pipeline's); a round sends a subscription's deliveries in at most
    // this many waves, and the lease covers them all plus a margin for recording.
    private const int WavesPerRound = 4;
    private const int LeaseMarginSeconds = 10;

    private Counter<long>? deliveries;
    private Histogram<double>? durations;
    private double oldestPendingSeconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create(Infrastructure.Observability.Meters.Webhooks);
        deliveries = meter.CreateCounter<long>("webhooks.deliveries", unit: "{attempt}", description: "Delivery attempts by outcome (succeeded, retrying, failed)");
        durations = meter.CreateHistogram<double>("webhooks.attempt.duration", unit: "s", description: "How long one delivery attempt took");
        meter.CreateObservableGauge("webhooks.pending.oldest_age", () => oldestPendingSeconds, unit: "s", description: "Age of the oldest pending delivery");

        var settings = options.Value;
        var schedule = settings.RetrySchedule();
        var nextGauge = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await DispatchBatchAsync(settings, schedule, stoppingToken);
                if (DateTime.UtcNow >= nextGauge)
                {
                    await using var connection = await db.OpenConnectionAsync(stoppingToken);
                    oldestPendingSeconds = await connection.ExecuteScalarAsync<double>(new CommandDefinition(OldestSql, cancellationToken: stoppingToken));
                    nextGauge = DateTime.UtcNow.AddSeconds(10);
                }
                if (sent == 0)
                {
                    await Task.Delay(settings.PollIntervalMilliseconds, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Webhook dispatcher could not claim or record deliveries ({Error}); retrying in 1 s", ex.Message);
                await Task.Delay(1_000, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<int> DispatchBatchAsync(WebhookOptions settings, int[] schedule, CancellationToken ct)
    {
        List<ClaimedDelivery> claimed;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(AnyDueSql, cancellationToken: ct)))
            {
                return 0;
            }
            claimed = (await connection.QueryAsync<ClaimedDelivery>(new CommandDefinition(ClaimSql, new
            {
                settings.BatchSize,
                PerSubscription = settings.MaxParallelPerSubscription * WavesPerRound,
                LeaseSeconds = (double)(settings.TimeoutSeconds * WavesPerRound + LeaseMarginSeconds),
            }, cancellationToken: ct))).AsList();
        }
        if (claimed.Count == 0)
        {
            return 0;
        }
        // Each subscription gets at most MaxParallelPerSubscription requests at once; its claimed deliveries go in waves.
        var results = await Task.WhenAll(claimed.GroupBy(d => d.SubscriptionId).Select(async group =>
        {
            using var gate = new SemaphoreSlim(settings.MaxParallelPerSubscription);
            return await Task.WhenAll(group.Select(async delivery =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    return (delivery, await SendAsync(delivery, settings, ct));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }));
        // Once sent, attempts are recorded even while the worker stops: a lost record would only mean one more send.
        await RecordAsync(results.SelectMany(r => r).ToList(), settings, schedule);
        return claimed.Count;
    }

    private async Task RecordAsync(List<(ClaimedDelivery Delivery, (int? StatusCode, string? Error, TimeSpan Elapsed) Result)> attempts,
        WebhookOptions settings, int[] schedule)
    {
        var retryIn = new double?[attempts.Count];
        for (var i = 0; i < attempts.Count; i++)
        {
            var (delivery, (code, _, elapsed)) = attempts[i];
            var succeeded = code is >= 200 and <= 299;
            var attempt = delivery.Attempts + 1;
            retryIn[i] = succeeded || attempt > schedule.Length ? null : schedule[attempt - 1];
            deliveries?.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : retryIn[i] is null ? "failed" : "retrying"));
            durations?.Record(elapsed.TotalSeconds);
        }
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        var stopped = await connection.QueryAsync<(long Id, bool Active)>(new CommandDefinition(RecordSql, new
        {
            Ids = attempts.Select(a => a.Delivery.Id).ToArray(),
            Succeeded = attempts.Select(a => a.Result.StatusCode is >= 200 and <= 299).ToArray(),
            RetryInSeconds = retryIn,
            StatusCodes = attempts.Select(a => a.Result.StatusCode).ToArray(),
            Errors = attempts.Select(a => a.Result.Error).ToArray(),
            DurationsMs = attempts.Select(a => (int)Math.Min(int.MaxValue, a.Result.Elapsed.TotalMilliseconds)).ToArray(),
            DisableAfterSeconds = settings.DisableAfterHours * 3600,
        }));
        foreach (var subscription in stopped.Where(s => !s.Active))
        {
            logger.LogWarning("Webhook {WebhookId} set inactive: its deliveries have failed for {Hours} h", subscription.Id, settings.DisableAfterHours);
        }
    }

    private async Task<(int? StatusCode, string? Error, TimeSpan Elapsed)> SendAsync(ClaimedDelivery delivery, WebhookOptions settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var id = delivery.Id.ToString();
            var timestamp = clock.GetUtcNow();
            if (secrets.TryUnprotect(delivery.Secret) is not { } current)
            {
                return (null, "secret unreadable: rotate it (Webhooks:SecretKey changed?)", Stopwatch.GetElapsedTime(started));
            }
            var keys = new List<byte[]> { current };
            if (delivery.PreviousSecret is not null && delivery.PreviousSecretExpiresAt > timestamp.UtcDateTime &&
                secrets.TryUnprotect(delivery.PreviousSecret) is { } previous)
            {
                keys.Add(previous);
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSecrets.SignatureHeader(id, timestamp, delivery.Body, keys));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TaskManager-Webhooks", "1.0"));

            using var response = await clients.CreateClient(WebhookHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await WebhookHttp.DrainAsync(response, settings.MaxBodyBytes, ct);
            var code = (int)response.StatusCode;
            return (code, code is >= 200 and <= 299 ? null : $"HTTP {code}", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Short, fixed sentences: a receiver's own words (or body) are never echoed back to whoever reads the deliveries.
            var error = ex switch
            {
                TimeoutRejectedException or TaskCanceledException => $"timed out after {settings.TimeoutSeconds} s",
                HttpRequestException { InnerException: WebhookAddressRefusedException refused } => "refused: " + refused.Message,
                WebhookAddressRefusedException refused => "refused: " + refused.Message,
                HttpRequestException http => "connection failed: " + http.HttpRequestError,
                _ => "delivery failed: " + ex.GetType().Name,
            };
            return (null, error, Stopwatch.GetElapsedTime(started));
        }
    }
}
