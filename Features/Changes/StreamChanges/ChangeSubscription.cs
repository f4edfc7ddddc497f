using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>An event for a stream, with its position to resume from.</summary>
public readonly record struct StreamEvent(ChangePosition Position, SseItem<string> Item);

/// <summary>A caught-up stream's place in the <see cref="ChangeHub"/>: the events the hub has read for it and it has not
/// yet sent. Bounded: a stream that falls more than <c>capacity</c> events behind is let go (its reader completes) and
/// reads the feed on its own again from the last event it sent.</summary>
public sealed class ChangeSubscription(ChangeHub hub, StreamKey key, ChangePosition joinedAt, int capacity) : IDisposable
{
    private readonly Channel<StreamEvent> events = Channel.CreateUnbounded<StreamEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int pending;

    public StreamKey Key => key;

    /// <summary>What the stream had sent when it joined: the hub may read from further back and skips up to here.</summary>
    public ChangePosition JoinedAt => joinedAt;

    public ChannelReader<StreamEvent> Events => events.Reader;

    /// <summary>Called as the stream takes an event, so the hub knows how far behind it is.</summary>
    public void Took() => Interlocked.Decrement(ref pending);

    /// <summary>False (and the reader completes) when the stream is too far behind to take them.</summary>
    internal bool Offer(List<StreamEvent> batch)
    {
        if (Interlocked.Add(ref pending, batch.Count) > capacity)
        {
            events.Writer.TryComplete();
            return false;
        }
        foreach (var e in batch)
        {
            events.Writer.TryWrite(e);
        }
        return true;
    }

    internal void Close() => events.Writer.TryComplete();

    public void Dispose() => hub.Leave(this);
}
