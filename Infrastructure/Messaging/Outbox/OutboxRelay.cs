using System.Diagnostics.Metrics;
using System.Text.Json;
using MassTransit;

namespace TaskManager.Infrastructure.Messaging.Outbox;

/// <summary>Publishes what the outbox holds; ours because MassTransit's outbox needs EF Core. Claims unsent rows with
/// FOR UPDATE SKIP LOCKED, publishes them with confirms and marks them sent in one transaction (a crash republishes;
/// consumers are idempotent). Polls rather than LISTENs: a NOTIFY in the writing transaction holds PostgreSQL's global
/// notify lock through the commit, which serialised every write (docs/reliability.md).</summary>
public sealed class OutboxRelay(NpgsqlDataSource db, IBus bus, OutboxMessageTypes types, IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger, IMeterFactory meters) : BackgroundService
{
    public const string MeterName = Observability.Meters.Outbox;

    private const string ClaimSql = """
        SELECT id, message_id, message_type, body::text AS body, created_at
        FROM outbox_messages
        WHERE sent_at IS NULL
        ORDER BY id
        LIMIT @BatchSize
        FOR UPDATE SKIP LOCKED
        """;

    private const string MarkSentSql = "UPDATE outbox_messages SET sent_at = clock_timestamp() WHERE id = ANY(@Ids)";
    private const string LagSql = "SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 FROM outbox_messages WHERE sent_at IS NULL";
    private const string CleanupSql = "DELETE FROM outbox_messages WHERE sent_at < now() - make_interval(hours => @Hours)";

    private double lagSeconds;
    private Counter<long>? sent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create(MeterName);
        sent = meter.CreateCounter<long>("outbox.messages.sent", description: "Messages published from the outbox");
        meter.CreateObservableGauge("outbox.lag", () => lagSeconds, unit: "s", description: "Age of the oldest unsent outbox message");

        var settings = options.Value;
        var backoff = TimeSpan.Zero;
        var nextCleanup = DateTime.UtcNow;
        var nextLag = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int published;
                do
                {
                    published = await RelayBatchAsync(settings, stoppingToken);
                }
                while (published == settings.BatchSize && !stoppingToken.IsCancellationRequested);
                backoff = TimeSpan.Zero;
                if (DateTime.UtcNow >= nextLag)
                {
                    await ReportLagAsync(settings, stoppingToken);
                    nextLag = DateTime.UtcNow.AddSeconds(1);
                }
                if (DateTime.UtcNow >= nextCleanup)
                {
                    await CleanUpAsync(settings, stoppingToken);
                    nextCleanup = DateTime.UtcNow.AddMinutes(10);
                }
                await Task.Delay(settings.PollIntervalMilliseconds, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                backoff = backoff == TimeSpan.Zero
                    ? TimeSpan.FromMilliseconds(250)
                    : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(settings.MaxBackoffSeconds).Ticks));
                logger.LogWarning("Outbox relay could not publish ({Error}); retrying in {Backoff:0.0} s", ex.Message, backoff.TotalSeconds);
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task<int> RelayBatchAsync(OutboxOptions settings, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var rows = (await connection.QueryAsync<OutboxRow>(new CommandDefinition(ClaimSql, new { settings.BatchSize }, transaction, cancellationToken: ct))).AsList();
        if (rows.Count == 0)
        {
            return 0;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.PublishTimeoutSeconds));
        // The batch's publishes go out in order, all in flight at once: the broker's confirms come back together
        // instead of one round trip per message, which bounded the relay (and every event's delay) under load.
        var publishes = new List<Task>(rows.Count);
        foreach (var row in rows)
        {
            var type = types.Find(row.MessageType);
            if (type is null || JsonSerializer.Deserialize(row.Body, type, OutboxMessageTypes.Json) is not { } message)
            {
                // A row no code can read would block nothing but would never leave; say so loudly and skip it.
                logger.LogError("Outbox message {MessageId} has unknown type {Type}; it is marked sent without publishing", row.MessageId, row.MessageType);
                continue;
            }
            publishes.Add(bus.Publish(message, type, Pipe.Execute<PublishContext>(context => context.MessageId = row.MessageId), timeout.Token));
        }
        await Task.WhenAll(publishes);

        await connection.ExecuteAsync(new CommandDefinition(MarkSentSql, new { Ids = rows.Select(r => r.Id).ToArray() }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        sent?.Add(rows.Count);
        var lag = DateTime.UtcNow - rows[0].CreatedAt;
        logger.LogDebug("Outbox relay published {Count} messages; oldest waited {Lag:0.000} s", rows.Count, lag.TotalSeconds);
        return rows.Count;
    }

    private async Task ReportLagAsync(OutboxOptions settings, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        lagSeconds = await connection.ExecuteScalarAsync<double>(new CommandDefinition(LagSql, cancellationToken: ct));
        if (lagSeconds > settings.LagWarningSeconds)
        {
            logger.LogWarning("Outbox lag is {Lag:0} s: messages are waiting to be published", lagSeconds);
        }
    }

    private async Task CleanUpAsync(OutboxOptions settings, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(CleanupSql, new { Hours = settings.RetentionHours }, cancellationToken: ct));
        if (deleted > 0)
        {
            logger.LogInformation("Outbox clean-up removed {Count} sent messages", deleted);
        }
    }

    private sealed class OutboxRow
    {
        public long Id { get; init; }
        public Guid MessageId { get; init; }
        public string MessageType { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }
}
