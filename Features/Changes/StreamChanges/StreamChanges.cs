using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>Not validated by the endpoint filter: the start may come from a header instead (see HandleAsync).</summary>
public sealed record StreamChangesRequest(
    [property: FromQuery(Name = "after")] string? After = null,
    [property: FromQuery(Name = "project_id")] string? ProjectId = null) : IChangeQuery;

/// <summary>The feed as Server-Sent Events. A stream that is behind reads the feed itself, one batch at a time; one that has
/// caught up takes what the instance's <see cref="ChangeHub"/> reads for all of them. Either way it waits on its own client:
/// a slow client holds up nothing but its own stream, holds a bounded number of events, and is disconnected when it takes
/// longer than Changes:SlowClientSeconds to accept a batch (it resumes with Last-Event-ID).</summary>
public static class StreamChangesEndpoint
{
    private static readonly byte[] Heartbeat = ": keep-alive\n\n"u8.ToArray();

    public static RouteHandlerBuilder MapStreamChanges(this IEndpointRouteBuilder app) => app
        .MapGet("/changes/stream", HandleAsync)
        .WithName("StreamChanges")
        .WithSummary("Stream changes as Server-Sent Events")
        .WithDescription("The change feed as `text/event-stream`: `id:` the position, `event:` the type, `data:` the change. " +
                         "`Last-Event-ID` (or `after`) resumes without a gap; a comment line keeps a quiet stream open; the stream " +
                         "ends when the access token expires. Errors are problem+json.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status410Gone);

    private static async Task<Results<ServerSentEventsResult<string>, Problem>> HandleAsync([AsParameters] StreamChangesRequest request,
        ClaimsPrincipal user, HttpContext http, ChangeFeed feed, ChangeSignal signal, ChangeHub hub, IValidator<IChangeQuery> validator,
        IOptions<ChangesOptions> options, TimeProvider clock, CancellationToken ct)
    {
        // Last-Event-ID, sent by a client that resumes, wins over after: the feed's rules check whichever is the start.
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        var (query, field) = lastEventId.Length > 0 ? (request with { After = lastEventId }, "Last-Event-ID") : (request, "after");
        if ((await validator.ValidateAsync(query, ct)).Errors is [var error, ..])
        {
            return error.PropertyName == nameof(IChangeQuery.After) && field != "after"
                ? Problem.Invalid(field, "Last-Event-ID must be the id of an event this stream sent.")
                : Problem.Invalid(ValidationFilter.FieldName(error.PropertyName), error.ErrorMessage);
        }
        var filters = ChangeFilters.From(query.After, query.ProjectId);
        var caller = Caller.From(user);
        var start = filters.After ?? await feed.EndAsync(ct);
        var settings = options.Value;
        var first = await feed.ReadAsync(caller, start, filters.Projects, settings.StreamBatchSize, ct);
        if (first.Gone)
        {
            return Problem.Of(StatusCodes.Status410Gone, $"{field} is older than the changes kept: list everything again, then follow from its Changes-Position.");
        }
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var stream = new ChangeStream(http, feed, signal, hub, settings, clock, new StreamKey(caller, filters.Projects), ExpiresAt(user));
        return TypedResults.ServerSentEvents(stream.EventsAsync(first, ct));
    }

    private static DateTimeOffset? ExpiresAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue("exp"), NumberStyles.None, CultureInfo.InvariantCulture, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;

    private sealed class ChangeStream(HttpContext http, ChangeFeed feed, ChangeSignal signal, ChangeHub hub, ChangesOptions settings,
        TimeProvider clock, StreamKey key, DateTimeOffset? expiresAt)
    {
        private DateTimeOffset lastWrite;

        /// <summary>Reads the feed on its own while behind; once caught up, takes what the hub reads for it, and goes back
        /// to reading on its own if it falls too far behind the hub.</summary>
        public async IAsyncEnumerable<SseItem<string>> EventsAsync(ChangeBatch batch, [EnumeratorCancellation] CancellationToken ct)
        {
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ct, http.RequestAborted);
            using var following = signal.Follow();
            if (expiresAt is { } expires)
            {
                lifetime.CancelAfter(expires - clock.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            await using var watchdog = new Timer(_ => http.Abort());
            var slow = TimeSpan.FromSeconds(settings.SlowClientSeconds);
            await http.Response.Body.FlushAsync(ct); // the client knows it is connected before the first change
            lastWrite = clock.GetUtcNow();
            while (true)
            {
                if (batch.Changes.Count > 0)
                {
                    watchdog.Change(slow, Timeout.InfiniteTimeSpan);
                    foreach (var change in batch.Changes)
                    {
                        yield return new SseItem<string>(JsonSerializer.Serialize(change, OutboxMessageTypes.Json), change.Type) { EventId = change.Position };
                    }
                    watchdog.Change(Timeout.Infinite, Timeout.Infinite);
                    lastWrite = clock.GetUtcNow();
                }
                var at = batch.Next;
                if (!batch.HasMore)
                {
                    var (joined, subscription) = await JoinAsync(at, batch.Held, lifetime.Token);
                    if (!joined)
                    {
                        yield break;
                    }
                    using (subscription)
                    {
                        // Null: the hub has read past this stream's place; one more read of its own catches up.
                        var pending = 0;
                        while (subscription is not null)
                        {
                            if (!subscription.Events.TryRead(out var next))
                            {
                                watchdog.Change(Timeout.Infinite, Timeout.Infinite);
                                pending = 0;
                                var wait = await WaitAsync(subscription, lifetime.Token);
                                if (wait is null)
                                {
                                    yield break;
                                }
                                if (wait == false)
                                {
                                    break; // let go by the hub: read on from the last event sent
                                }
                                continue;
                            }
                            if (pending++ % settings.StreamBatchSize == 0)
                            {
                                watchdog.Change(slow, Timeout.InfiniteTimeSpan); // each batch's worth must be taken in time
                            }
                            yield return next.Item;
                            subscription.Took();
                            at = next.Position;
                            lastWrite = clock.GetUtcNow();
                        }
                        watchdog.Change(Timeout.Infinite, Timeout.Infinite);
                    }
                }
                if (await ReadAsync(at, lifetime.Token) is not { Gone: false } read)
                {
                    yield break;
                }
                batch = read;
            }
        }

        /// <summary>(false, _) when the stream is over; otherwise the subscription, or null when the hub is ahead.</summary>
        private async Task<(bool, ChangeSubscription?)> JoinAsync(ChangePosition at, bool held, CancellationToken ct)
        {
            try
            {
                return (true, await hub.JoinAsync(key, at, held, ct));
            }
            catch (OperationCanceledException)
            {
                return (false, null);
            }
        }

        /// <summary>True when events wait, false when the hub let the stream go, null when the stream is over (token
        /// expired, client gone). Sends the heartbeat on a quiet stream.</summary>
        private async Task<bool?> WaitAsync(ChangeSubscription subscription, CancellationToken ct)
        {
            var heartbeat = TimeSpan.FromSeconds(settings.HeartbeatSeconds);
            try
            {
                while (true)
                {
                    var quiet = heartbeat - (clock.GetUtcNow() - lastWrite);
                    if (quiet > TimeSpan.Zero)
                    {
                        try
                        {
                            return await subscription.Events.WaitToReadAsync(ct).AsTask().WaitAsync(quiet, ct);
                        }
                        catch (TimeoutException)
                        {
                        }
                    }
                    await http.Response.Body.WriteAsync(Heartbeat, ct);
                    await http.Response.Body.FlushAsync(ct);
                    lastWrite = clock.GetUtcNow();
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        private async Task<ChangeBatch?> ReadAsync(ChangePosition after, CancellationToken ct)
        {
            try
            {
                return await feed.ReadAsync(key.Caller, after, key.Projects, settings.StreamBatchSize, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}
