using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

/// <summary>Pushes generation bumps to every instance over Redis pub/sub and waits until each has applied them, so
/// reads need no round trip; an instance that stops hearing its own heartbeat asks Redis instead. Hand-written:
/// the backplanes on offer (FusionCache's among them) deliver without waiting for anyone.</summary>
public sealed class GenerationBackplane : IAsyncDisposable
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(3);

    private readonly IConnectionMultiplexer redis;
    private readonly TimeSpan ackTimeout;
    private readonly ILogger logger;
    private readonly string instance = Guid.NewGuid().ToString("N");
    private readonly RedisChannel bumps;
    private readonly RedisChannel acks;
    private readonly string ackPrefix;
    private readonly ConcurrentDictionary<string, long> pushed = new();
    private readonly ConcurrentDictionary<(string DataSet, long Generation), Acks> waiting = new();
    private readonly CancellationTokenSource stopping = new();
    private long lastHeardTicks;

    public GenerationBackplane(IConnectionMultiplexer redis, string prefix, TimeSpan ackTimeout, ILogger logger)
    {
        (this.redis, this.ackTimeout, this.logger) = (redis, ackTimeout, logger);
        bumps = RedisChannel.Literal($"{prefix}:generations");
        ackPrefix = $"{prefix}:generation-acks:";
        acks = RedisChannel.Literal(ackPrefix + instance);
        redis.ConnectionFailed += (_, _) => pushed.Clear();
        redis.ConnectionRestored += (_, _) => pushed.Clear();
        _ = BeatAsync();
    }

    /// <summary>The generation pushed to this instance, or null when it must ask Redis.</summary>
    public long? Known(string dataSet) =>
        Environment.TickCount64 - Interlocked.Read(ref lastHeardTicks) < Silence.TotalMilliseconds && pushed.TryGetValue(dataSet, out var known)
            ? known
            : null;

    /// <summary>Records a generation read from Redis, so later reads need not ask (a pushed one may be newer).</summary>
    public void Learn(string dataSet, long generation) => pushed.AddOrUpdate(dataSet, generation, (_, old) => Math.Max(old, generation));

    /// <summary>Tells every instance of a new generation and waits until those that heard it have applied it.</summary>
    public async Task PublishAsync(string dataSet, long generation)
    {
        Learn(dataSet, generation);
        var pending = waiting.GetOrAdd((dataSet, generation), _ => new Acks());
        try
        {
            var receivers = await redis.GetSubscriber().PublishAsync(bumps, $"{dataSet}|{generation}|{instance}");
            await pending.ExpectAsync(receivers).WaitAsync(ackTimeout);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Not every instance confirmed generation {Generation} of {DataSet} within {Timeout} ms", generation, dataSet, ackTimeout.TotalMilliseconds);
        }
        finally
        {
            waiting.TryRemove((dataSet, generation), out _);
        }
    }

    private void OnBump(RedisValue message)
    {
        Interlocked.Exchange(ref lastHeardTicks, Environment.TickCount64);
        var parts = message.ToString().Split('|');
        if (parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return; // a heartbeat
        }
        Learn(parts[0], generation);
        redis.GetSubscriber().Publish(RedisChannel.Literal(ackPrefix + parts[2]), $"{parts[0]}|{parts[1]}", StackExchange.Redis.CommandFlags.FireAndForget);
    }

    private void OnAck(RedisValue message)
    {
        var parts = message.ToString().Split('|');
        if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
            waiting.TryGetValue((parts[0], generation), out var pending))
        {
            pending.Received();
        }
    }

    private async Task BeatAsync()
    {
        using var timer = new PeriodicTimer(Heartbeat);
        var subscribed = false;
        try
        {
            do
            {
                try
                {
                    // Once registered, the multiplexer renews the subscriptions itself after a reconnect.
                    if (!subscribed)
                    {
                        var subscriber = redis.GetSubscriber();
                        await subscriber.SubscribeAsync(bumps, (_, message) => OnBump(message));
                        await subscriber.SubscribeAsync(acks, (_, message) => OnAck(message));
                        subscribed = true;
                    }
                    await redis.GetSubscriber().PublishAsync(bumps, "heartbeat");
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // Unheard heartbeats are the signal: reads ask Redis until they come back.
                }
            }
            while (await timer.WaitForNextTickAsync(stopping.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync() => await stopping.CancelAsync();

    /// <summary>Acks of one bump: they may arrive before the publish says how many to expect.</summary>
    private sealed class Acks
    {
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long received;
        private long expected = long.MaxValue;

        public void Received()
        {
            if (Interlocked.Increment(ref received) >= Interlocked.Read(ref expected))
            {
                done.TrySetResult();
            }
        }

        public Task ExpectAsync(long count)
        {
            Interlocked.Exchange(ref expected, count);
            if (Interlocked.Read(ref received) >= count)
            {
                done.TrySetResult();
            }
            return done.Task;
        }
    }
}
