using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Hybrid;
using TaskManager.Infrastructure.Caching;
using TaskManager.Infrastructure.Observability;

namespace TaskManager.Features.Tasks;

/// <summary>The cache of task reads: daily-log pages and entries, and first pages of task lists. Every change to a task changes what some page or entry
/// shows (today's row, or the task's live fields on every row), so every change invalidates the whole set.</summary>
public sealed class TaskReadCache(HybridCache cache, CacheGenerations generations, IMeterFactory meters)
{
    // The name it had as the daily log's cache: instances of either version bump and read one generation during a rollout.
    private const string DataSet = "task-log";

    // Part of every key: raised when what is cached changes shape, so entries an older build left in Redis are
    // never read as the new shape (2: pages cached as their response JSON).
    private const string Format = "2";

    // HybridCache reports no hits or misses of its own; a read that had to run its factory is the miss that
    // cost a database query, every other read was served from memory or Redis.
    private readonly Counter<long> lookups = meters.Create(Meters.Cache)
        .CreateCounter<long>("cache.lookups", unit: "{lookup}", description: "Cache reads by data set and result (hit, miss)");

    public async ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> read, CancellationToken ct)
    {
        var generation = await generations.CurrentAsync(DataSet);
        var missed = false;
        var value = await cache.GetOrCreateAsync($"{DataSet}:{Format}:{generation}:{key}", async token =>
        {
            missed = true;
            return await read(token);
        }, cancellationToken: ct);
        lookups.Add(1, new KeyValuePair<string, object?>("data_set", DataSet), new KeyValuePair<string, object?>("result", missed ? "miss" : "hit"));
        return value;
    }

    public ValueTask InvalidateAsync() => generations.BumpAsync(DataSet);
}
