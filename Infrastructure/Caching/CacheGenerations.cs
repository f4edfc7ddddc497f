using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

/// <summary>Invalidation by generation: every cached key of a data set carries the set's generation, and a change
/// bumps it (INCR in Redis). Each read takes a generation read from Redis after the read began, so once a write
/// has been answered no instance serves what came before it; concurrent reads share one Redis GET. Without Redis,
/// or while it is away, the generation is this process's own. Why not HybridCache tags: docs/operations.md.</summary>
public sealed class CacheGenerations(IOptions<CachingOptions> options, ILogger<CacheGenerations> logger, IConnectionMultiplexer? redis = null)
{
    private readonly string instance = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, LocalGeneration> locals = new();
    private readonly ConcurrentDictionary<string, SharedRead> reads = new();

    public async ValueTask<string> CurrentAsync(string dataSet)
    {
        var local = locals.GetOrAdd(dataSet, _ => new LocalGeneration($"{instance}.0"));
        if (redis is null)
        {
            return local.Token;
        }
        // Changes made while Redis was away were invalidated only here: publish them on the way back.
        var shared = local.Pending
            ? await IncrementAsync(dataSet)
            : await reads.GetOrAdd(dataSet, set => new SharedRead(() => GetAsync(set))).ReadAsync();
        if (shared is null)
        {
            return local.Token;
        }
        local.Pending = false;
        return shared;
    }

    public async ValueTask BumpAsync(string dataSet)
    {
        if (redis is not null && await IncrementAsync(dataSet) is not null)
        {
            return;
        }
        logger.LogWarning("Redis is unavailable; invalidating {DataSet} in this process only", dataSet);
        var local = locals.GetOrAdd(dataSet, _ => new LocalGeneration($"{instance}.0"));
        local.Token = $"{instance}.{Guid.NewGuid():N}";
        local.Pending = true;
    }

    private async Task<string?> GetAsync(string dataSet)
    {
        try
        {
            var value = await redis!.GetDatabase().StringGetAsync(Key(dataSet));
            return value.IsNull ? "0" : value.ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private async Task<string?> IncrementAsync(string dataSet)
    {
        try
        {
            return (await redis!.GetDatabase().StringIncrementAsync(Key(dataSet))).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private string Key(string dataSet) => $"{options.Value.InstanceName}:generation:{dataSet}";

    private sealed class LocalGeneration(string token)
    {
        public volatile string Token = token;
        public volatile bool Pending;
    }

    /// <summary>One Redis read for many callers, each answered by a read sent after it asked: at most one read is
    /// in flight, and callers arriving meanwhile share the next one.</summary>
    private sealed class SharedRead(Func<Task<string?>> read)
    {
        private readonly Lock gate = new();
        private Task inFlight = Task.CompletedTask;
        private TaskCompletionSource<string?>? next;

        public Task<string?> ReadAsync()
        {
            lock (gate)
            {
                if (next is { } waiting)
                {
                    return waiting.Task;
                }
                var batch = next = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _ = SendAfterAsync(batch, inFlight);
                return batch.Task;
            }
        }

        private async Task SendAfterAsync(TaskCompletionSource<string?> batch, Task previous)
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
