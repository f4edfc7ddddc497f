using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TaskManager.Features.Projects;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>The feed as Server-Sent Events. Each stream reads the feed itself, one batch at a time, and waits on its
/// client: a slow client holds up nothing but its own stream, holds at most one batch, and is disconnected when it takes
/// longer than Changes:SlowClientSeconds to accept one (it resumes with Last-Event-ID).</summary>
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

    private static async Task<Results<ServerSentEventsResult<string>, Problem>> HandleAsync(ClaimsPrincipal user, HttpContext http, ChangeFeed feed,
        ChangeSignal signal, IOptions<ChangesOptions> options, TimeProvider clock, CancellationToken ct,
        [FromQuery] string? after = null, [FromQuery(Name = "project_id")] string? projectId = null)
    {
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        var (from, field) = lastEventId.Length > 0 ? (lastEventId, "Last-Event-ID") : (after, "after");
        if (!ChangeFilters.TryParse(from, projectId, out var filters, out var problem))
        {
            return field == "after" ? problem : Problem.Invalid(field, "Last-Event-ID must be the id of an event this stream sent.");
        }
        var caller = Caller.From(user);
        var start = filters.After ?? await feed.EndAsync(ct);
        var settings = options.Value;
        var first = await feed.ReadAsync(caller, start, filters.Projects, settings.StreamBatchSize, ct);
        if (first.Gone)
        {
            return Problem.Of(StatusCodes.Status410Gone, $"{field} is older than the changes kept: list everything again, then follow from its Changes-Position.");
        }
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var stream = new ChangeStream(http, feed, signal, settings, clock, caller, filters.Projects, ExpiresAt(user));
        return TypedResults.ServerSentEvents(stream.EventsAsync(first, ct));
    }

    private static DateTimeOffset? ExpiresAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue("exp"), NumberStyles.None, CultureInfo.InvariantCulture, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;

    private sealed class ChangeStream(HttpContext http, ChangeFeed feed, ChangeSignal signal, ChangesOptions settings, TimeProvider clock, Caller caller,
        long[]? projects, DateTimeOffset? expiresAt)
    {
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
            var heartbeat = TimeSpan.FromSeconds(settings.HeartbeatSeconds);
            await http.Response.Body.FlushAsync(ct); // the client knows it is connected before the first change
            var lastWrite = clock.GetUtcNow();
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
                var wake = signal.Next;
                if (!batch.HasMore)
                {
                    // Changes held behind a running transaction show as soon as it ends, which may notify nothing.
                    var quiet = heartbeat - (clock.GetUtcNow() - lastWrite);
                    var wait = TimeSpan.FromSeconds(batch.Held ? Math.Min(0.1, settings.PollSeconds) : settings.PollSeconds);
                    if (!await WaitAsync(wake, wait < quiet ? wait : quiet, lifetime.Token))
                    {
                        yield break;
                    }
                    if (clock.GetUtcNow() - lastWrite >= heartbeat)
                    {
                        await http.Response.Body.WriteAsync(Heartbeat, lifetime.Token);
                        await http.Response.Body.FlushAsync(lifetime.Token);
                        lastWrite = clock.GetUtcNow();
                    }
                }
                if (await ReadAsync(batch.Next, lifetime.Token) is not { Gone: false } next)
                {
                    yield break;
                }
                batch = next;
            }
        }

        /// <summary>False when the stream is over (token expired, client gone).</summary>
        private static async Task<bool> WaitAsync(Task wake, TimeSpan timeout, CancellationToken ct)
        {
            try
            {
                await wake.WaitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, ct);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            return true;
        }

        private async Task<ChangeBatch?> ReadAsync(ChangePosition after, CancellationToken ct)
        {
            try
            {
                return await feed.ReadAsync(caller, after, projects, settings.StreamBatchSize, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}
