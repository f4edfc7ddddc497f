using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

/// <summary>Invalidation by generation: cached keys carry their data set's generation; a change bumps it (INCR in
/// Redis) and waits until every instance has applied it (<see cref="GenerationBackplane"/>), so no answered write is
/// followed by a stale read. Without Redis the generation is this process's own. Why not tags: docs/operations.md.</summary>
public sealed class CacheGenerations(IOptions<CachingOptions> options, ILogger<CacheGenerations> logger, IConnectionMultiplexer? redis = null)
    : IAsyncDisposable
{
    private readonly string instance = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, LocalGeneration> locals = new();
    private readonly ConcurrentDictionary<string, SharedRead> reads = new();
    private readonly GenerationBackplane? backplane = redis is null ? null
        : new GenerationBackplane(redis, options.Value.InstanceName, TimeSpan.FromMilliseconds(options.Value.InvalidationAckMilliseconds), logger);

    public async ValueTask<string> CurrentAsync(string dataSet)
    {
        var local = locals.GetOrAdd(dataSet, _ => new LocalGeneration($"{instance}.0"));
        if (backplane is null)
        {
            return local.Token;
        }
        if (!local.Pending && backplane.Known(dataSet) is { } known)
        {
            return known.ToString(CultureInfo.InvariantCulture);
        }
        // Changes made while Redis was away were invalidated only here: publish them on the way back.
        var shared = local.Pending
            ? await IncrementAsync(dataSet)
            : await reads.GetOrAdd(dataSet, set => new SharedRead(() => GetAsync(set))).ReadAsync();
        if (shared is not { } generation)
        {
            return local.Token;
        }
        local.Pending = false;
        backplane.Learn(dataSet, generation);
        return generation.ToString(CultureInfo.InvariantCulture);
    }

    public async ValueTask BumpAsync(string dataSet)
    {
        if (backplane is not null && await IncrementAsync(dataSet) is { } generation)
        {
            await backplane.PublishAsync(dataSet, generation);
            return;
        }
        if (backplane is not null)
        {
            logger.LogWarning("Redis is unavailable; invalidating {DataSet} in this process only", dataSet);
        }
        var local = locals.GetOrAdd(dataSet, _ => new LocalGeneration($"{instance}.0"));
        local.Token = $"{instance}.{Guid.NewGuid():N}";
        local.Pending = true;
    }

    private async Task<long?> GetAsync(string dataSet)
    {
        try
        {
            var value = await redis!.GetDatabase().StringGetAsync(Key(dataSet));
            return value.IsNull ? 0 : (long)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private async Task<long?> IncrementAsync(string dataSet)
    {
        try
        {
            return await redis!.GetDatabase().StringIncrementAsync(Key(dataSet));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private string Key(string dataSet) => $"{options.Value.InstanceName}:generation:{dataSet}";

    public ValueTask DisposeAsync() => backplane?.DisposeAsync() ?? ValueTask.CompletedTask;

    private sealed class LocalGeneration(string token)
    {
        public volatile string Token = token;
        public volatile bool Pending;
    }

    /// <summary>One Redis read for many callers, each answered by a read sent after it asked: at most one read is
    /// in flight, and callers arriving meanwhile share the next one.</summary>
    private sealed class SharedRead(Func<Task<long?>> read)
    {
        private readonly Lock gate = new();
        private Task inFlight = Task.CompletedTask;
        private TaskCompletionSource<long?>? next;

        public Task<long?> ReadAsync()
        {
            lock (gate)
            {
                if (next is { } waiting)
                {
                    return waiting.Task;
                }
                var batch = next = new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _ = SendAfterAsync(batch, inFlight);
                return batch.Task;
            }
        }

        private async Task SendAfterAsync(TaskCompletionSource<long?> batch, Task previous)
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (gate)
            {
                if (next == batch)
                {
                    next = null;
                }
                inFlight = batch.Task;
            }
            try
            {
                batch.SetResult(await read());
            }
            catch (Exception ex)
            {
                batch.SetException(ex); // its callers see the failure; the next read is not held up by it
            }
        }
    }
}
