using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>Sends due deliveries from a worker. Claims them with FOR UPDATE SKIP LOCKED and leases them, so workers share
/// them and a crashed worker's come due again with the same webhook-id; claims again as soon as a wave's worth of requests
/// has finished, so new deliveries never wait for a whole round. Retries wait in the database (docs/api.md#webhooks).</summary>
public sealed class WebhookDispatcher(NpgsqlDataSource db, IHttpClientFactory clients, WebhookSecrets secrets, IOptions<WebhookOptions> options,
    TimeProvider clock, ILogger<WebhookDispatcher> logger, IMeterFactory meters) : BackgroundService
{
    // Per subscription, at most @PerSubscription deliveries are held by this worker (claimed, not yet answered);
    // subscriptions at that bound are skipped, so one busy receiver cannot take every claim. A delivery of a project its
    // subscription's creator may no longer read is deleted instead of sent: the event does not exist for them now. (A
    // deleted project's events went only to those who could read it when it was deleted.)
    private static readonly string ClaimSql = $"""
        WITH due AS (
            SELECT d.id, d.subscription_id, d.next_attempt_at,
                   NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id AND NOT {Projects.ProjectAccess.ReadableBy("s.created_by")}) AS visible
            FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.active
            WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.subscription_id <> ALL (@Full)
            ORDER BY d.next_attempt_at
            LIMIT @BatchSize
            FOR UPDATE OF d SKIP LOCKED
        ), unseen AS (
            DELETE FROM webhook_deliveries d USING due WHERE d.id = due.id AND NOT due.visible
        ), picked AS (
            SELECT r.id
            FROM (SELECT id, subscription_id, row_number() OVER (PARTITION BY subscription_id ORDER BY next_attempt_at, id) AS n
                  FROM due WHERE visible) r
            LEFT JOIN unnest(@HeldSubscriptions, @HeldCounts) AS h(subscription_id, held) ON h.subscription_id = r.subscription_id
            WHERE r.n <= @PerSubscription - coalesce(h.held, 0)
        )
        UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => @LeaseSeconds)
        FROM picked p, webhook_subscriptions s
        WHERE d.id = p.id AND s.id = d.subscription_id
        RETURNING d.id, d.subscription_id, d.body, d.attempts, d.created_at, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
        """;

    // Looked at first, on one table: most claims would find nothing, and the claim locks two tables.
    private const string AnyDueSql = "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now())";

    private const string OldestSql = "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM webhook_deliveries WHERE status = 'pending'";

    // A subscription's held deliveries are sent in at most this many waves of MaxParallelPerSubscription (and all held ones
    // in as many of MaxConcurrentAttempts), each within the timeout, so the lease (the waves plus a margin for recording)
    // outlasts every one of them.
    private const int WavesHeld = 4;
    private const int LeaseMarginSeconds = 10;

    private readonly AttemptSender sender = new(clients, secrets, clock);
    private readonly Lock heldLock = new();
    private readonly Dictionary<long, int> held = [];
    private readonly ConcurrentDictionary<long, SemaphoreSlim> parallel = new();
    private readonly SemaphoreSlim slotsFreed = new(0, 1);
    private readonly SemaphoreSlim attemptSlots = new(options.Value.MaxConcurrentAttempts);
    private int freedSinceClaim;
    private double oldestPendingSeconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create(Infrastructure.Observability.Meters.Webhooks);
        var recorder = new AttemptRecorder(db, options.Value, logger,
            meter.CreateCounter<long>("webhooks.deliveries", unit: "{attempt}", description: "Delivery attempts by outcome (succeeded, retrying, failed)"),
            meter.CreateHistogram<double>("webhooks.attempt.duration", unit: "s", description: "How long one delivery attempt took"));
        meter.CreateObservableGauge("webhooks.pending.oldest_age", () => oldestPendingSeconds, unit: "s", description: "Age of the oldest pending delivery");
        var recording = recorder.RunAsync();
        var sends = new List<Task>();
        var settings = options.Value;
        var nextGauge = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await ClaimAsync(settings, stoppingToken);
                sends.RemoveAll(t => t.IsCompleted);
                sends.AddRange(claimed.Select(d => SendHeldAsync(d, settings, recorder, stoppingToken)));
                if (DateTime.UtcNow >= nextGauge)
                {
                    await using var connection = await db.OpenConnectionAsync(stoppingToken);
                    oldestPendingSeconds = await connection.ExecuteScalarAsync<double>(new CommandDefinition(OldestSql, cancellationToken: stoppingToken));
                    nextGauge = DateTime.UtcNow.AddSeconds(10);
                }
                if (claimed.Count == 0)
                {
                    // Nothing due, or every subscription with due deliveries at its bound: look again when a wave's
                    // worth of requests has finished, or after the poll interval.
                    await slotsFreed.WaitAsync(settings.PollIntervalMilliseconds, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Webhook dispatcher could not claim deliveries ({Error}); retrying in 1 s", ex.Message);
                await Task.Delay(1_000, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Requests cut short by the stop leave their deliveries leased, to be sent again; finished ones are recorded.
        await Task.WhenAll(sends).ContinueWith(_ => { }, TaskScheduler.Default);
        recorder.Complete();
        await recording;
    }

    private async Task<List<ClaimedDelivery>> ClaimAsync(WebhookOptions settings, CancellationToken ct)
    {
        var perSubscription = settings.MaxParallelPerSubscription * WavesHeld;
        long[] subscriptions;
        int[] counts;
        lock (heldLock)
        {
            subscriptions = [.. held.Keys];
            counts = [.. held.Values];
            freedSinceClaim = 0;
        }
        var room = Math.Min(settings.BatchSize, settings.MaxConcurrentAttempts * WavesHeld - counts.Sum());
        if (room <= 0)
        {
            return [];
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(AnyDueSql, cancellationToken: ct)))
        {
            return [];
        }
        var claimed = (await connection.QueryAsync<ClaimedDelivery>(new CommandDefinition(ClaimSql, new
        {
            BatchSize = room,
            PerSubscription = perSubscription,
            HeldSubscriptions = subscriptions,
            HeldCounts = counts,
            Full = subscriptions.Where((_, i) => counts[i] >= perSubscription).ToArray(),
            LeaseSeconds = (double)(settings.TimeoutSeconds * WavesHeld + LeaseMarginSeconds),
        }, cancellationToken: ct))).AsList();
        lock (heldLock)
        {
            foreach (var delivery in claimed)
            {
                held[delivery.SubscriptionId] = held.GetValueOrDefault(delivery.SubscriptionId) + 1;
            }
        }
        return claimed;
    }

    /// <summary>Sends a held delivery once its subscription and the worker have a free request slot, and hands the attempt
    /// to the recorder.</summary>
    private async Task SendHeldAsync(ClaimedDelivery delivery, WebhookOptions settings, AttemptRecorder recorder, CancellationToken ct)
    {
        var slots = parallel.GetOrAdd(delivery.SubscriptionId, _ => new SemaphoreSlim(settings.MaxParallelPerSubscription));
        try
        {
            await slots.WaitAsync(ct);
            try
            {
                await attemptSlots.WaitAsync(ct);
                try
                {
                    recorder.Add(await sender.SendAsync(delivery, settings, ct));
                }
                finally
                {
                    attemptSlots.Release();
                }
            }
            finally
            {
                slots.Release();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the delivery stays leased and is sent again once the lease ends.
        }
        finally
        {
            Release(delivery.SubscriptionId, settings.MaxParallelPerSubscription);
        }
    }

    private void Release(long subscriptionId, int wave)
    {
        lock (heldLock)
        {
            if (--held[subscriptionId] == 0)
            {
                held.Remove(subscriptionId);
            }
            if (++freedSinceClaim >= wave && slotsFreed.CurrentCount == 0)
            {
                slotsFreed.Release();
            }
        }
    }
}
