using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

/// <summary>Invalidation by generation: every cached key of a data set carries the set's current generation,
/// and a change bumps it, so a change never leaves an entry readable under the key a reader will use next.
///
/// Written here rather than taken from HybridCache's tags because tags are only guaranteed within one
/// process: another instance may keep using a tag's old invalidation time. The generation lives in Redis
/// (INCR), the writer sees its bump at once (a client reads its own writes), and other instances re-read it
/// at most every LocalExpirationSeconds, which bounds how long any instance can serve a stale entry.
/// Without Redis, or while it is away, the generation is local to this process and cannot collide with a
/// shared one.</summary>
public sealed class CacheGenerations(IOptions<CachingOptions> options, TimeProvider clock, ILogger<CacheGenerations> logger,
    IConnectionMultiplexer? redis = null)
{
    private readonly string instance = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, Generation> generations = new();
    private long localCounter;

    public async ValueTask<string> CurrentAsync(string dataSet)
    {
        var now = clock.GetUtcNow();
        var known = generations.GetValueOrDefault(dataSet);
        if (known is not null && now - known.ReadAt < TimeSpan.FromSeconds(options.Value.LocalExpirationSeconds))
        {
            return known.Token;
        }
        // Changes made while Redis was away were invalidated only here: publish them on the way back.
        var pending = known?.LocalBumps > 0;
        var shared = await ReadSharedAsync(dataSet, pending);
        var next = shared is null
            ? new Generation(known?.Token ?? Local(0), now, known?.LocalBumps ?? 0)
            : new Generation(shared, now, 0);
        generations[dataSet] = next;
        return next.Token;
    }

    public async ValueTask BumpAsync(string dataSet)
    {
        var now = clock.GetUtcNow();
        if (redis is not null)
        {
            try
            {
                var shared = await redis.GetDatabase().StringIncrementAsync(Key(dataSet));
                generations[dataSet] = new Generation(shared.ToString(System.Globalization.CultureInfo.InvariantCulture), now, 0);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("Redis is unavailable; invalidating {DataSet} in this process only: {Error}", dataSet, ex.Message);
            }
        }
        generations.AddOrUpdate(dataSet,
            _ => new Generation(Local(1), now, 1),
            (_, old) => new Generation(Local(old.LocalBumps + 1), now, old.LocalBumps + 1));
    }

    private async ValueTask<string?> ReadSharedAsync(string dataSet, bool bump)
    {
        if (redis is null)
        {
            return null;
        }
        try
        {
            var database = redis.GetDatabase();
            if (bump)
            {
                return (await database.StringIncrementAsync(Key(dataSet))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            var value = await database.StringGetAsync(Key(dataSet));
            return value.IsNull ? "0" : value.ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    // Never reused within the process, so a local generation cannot meet an entry of an earlier one.
    private string Local(long bumps) => bumps == 0 ? $"{instance}.0" : $"{instance}.{Interlocked.Increment(ref localCounter)}";

    private string Key(string dataSet) => $"{options.Value.InstanceName}:generation:{dataSet}";

    private sealed record Generation(string Token, DateTimeOffset ReadAt, long LocalBumps);
}
