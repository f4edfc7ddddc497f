using System.Net.ServerSentEvents;
using System.Text.Json;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>Reads the feed once a wake for every stream of this instance that has caught up, and hands each its events
/// already serialised: the cost of a wake grows with the changes and the distinct callers, not with the streams. A stream
/// behind the hub's place reads on its own until it catches up, so nothing is skipped or sent twice.</summary>
public sealed class ChangeHub(SharedChangeRead read, ChangeSignal signal, IOptions<ChangesOptions> options, ILogger<ChangeHub> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim gate = new(1, 1); // one read at a time; joins wait for it, so none falls between two
    private readonly List<ChangeSubscription> members = [];
    private ChangePosition position; // everything up to here was offered to every member; guarded by gate
    private TaskCompletionSource nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Null when the hub has already read past <paramref name="at"/>: the stream reads on its own to catch up.</summary>
    public async Task<ChangeSubscription?> JoinAsync(StreamKey key, ChangePosition at, bool held, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            lock (members)
            {
                if (members.Count == 0)
                {
                    position = at;
                }
                else if (at.CompareTo(position) < 0)
                {
                    return null;
                }
                var subscription = new ChangeSubscription(this, key, at, options.Value.StreamBufferSize);
                members.Add(subscription);
                if (held)
                {
                    Interlocked.Exchange(ref nudge, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
                return subscription;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    internal void Leave(ChangeSubscription subscription)
    {
        lock (members)
        {
            members.Remove(subscription);
        }
        subscription.Close();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var held = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = Task.WhenAny(signal.Next, Volatile.Read(ref nudge).Task); // taken before the read: a commit meanwhile still wakes
            held = await ReadAsync(stoppingToken);
            var settings = options.Value;
            try
            {
                await wake.WaitAsync(TimeSpan.FromSeconds(held ? Math.Min(0.1, settings.PollSeconds) : settings.PollSeconds), stoppingToken);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Reads and offers everything committed since the last read; true when a change is held behind a running
    /// transaction (look again soon).</summary>
    private async Task<bool> ReadAsync(CancellationToken ct)
    {
        try
        {
            await gate.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        try
        {
            ChangeSubscription[] snapshot;
            lock (members)
            {
                snapshot = [.. members];
            }
            if (snapshot.Length == 0)
            {
                return false;
            }
            var keys = snapshot.Select(s => s.Key).Distinct().ToList();
            SharedBatch batch;
            do
            {
                batch = await read.ReadAsync(keys, position, options.Value.StreamBatchSize, ct);
                Offer(batch, keys, snapshot);
                position = batch.Next;
            }
            while (batch.HasMore);
            return batch.Held;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning("Change hub could not read the feed ({Error}); it tries again at the next wake", ex.Message);
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    private void Offer(SharedBatch batch, List<StreamKey> keys, ChangeSubscription[] subscriptions)
    {
        if (batch.Changes.Count == 0)
        {
            return;
        }
        var byKey = new List<StreamEvent>?[keys.Count];
        foreach (var change in batch.Changes)
        {
            if (change.Sees.Length > 0)
            {
                var item = Event(change, change.Type, JsonElement.Parse(change.Data));
                foreach (var k in change.Sees)
                {
                    (byKey[k] ??= []).Add(item);
                }
            }
            if (change.Removed.Length > 0)
            {
                var item = Event(change, "task.removed", JsonSerializer.SerializeToElement(new { id = change.TaskId }));
                foreach (var k in change.Removed)
                {
                    (byKey[k] ??= []).Add(item);
                }
            }
        }
        var index = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
        foreach (var subscription in subscriptions)
        {
            if (byKey[index[subscription.Key]] is not { } events)
            {
                continue;
            }
            if (subscription.JoinedAt.CompareTo(position) > 0)
            {
                events = events.Where(e => e.Position.CompareTo(subscription.JoinedAt) > 0).ToList();
            }
            if (events.Count > 0 && !subscription.Offer(events))
            {
                Leave(subscription); // too far behind: it reads on its own from what it sent
            }
        }
    }

    private static StreamEvent Event(SharedChange change, string type, JsonElement data)
    {
        var resource = new ChangeResource(change.Position.ToString(), type, change.OccurredAt, change.ActorId, change.ProjectId, change.TaskId, data);
        return new StreamEvent(change.Position, new SseItem<string>(JsonSerializer.Serialize(resource, OutboxMessageTypes.Json), type)
        {
            EventId = resource.Position,
        });
    }
}
