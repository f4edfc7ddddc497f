using Microsoft.Extensions.Caching.Hybrid;
using TaskManager.Infrastructure.Caching;

namespace TaskManager.Features.TaskLog;

/// <summary>The cache of the daily-log reads. Every change to a task changes what some page or entry
/// shows (today's row, or the task's live fields on every row), so every change invalidates the whole set.</summary>
public sealed class TaskLogCache(HybridCache cache, CacheGenerations generations)
{
    private const string DataSet = "task-log";

    public async ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> read, CancellationToken ct)
    {
        var generation = await generations.CurrentAsync(DataSet);
        return await cache.GetOrCreateAsync($"{DataSet}:{generation}:{key}", read, cancellationToken: ct);
    }

    public ValueTask InvalidateAsync() => generations.BumpAsync(DataSet);
}
