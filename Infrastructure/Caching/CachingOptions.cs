using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Caching;

public sealed class CachingOptions
{
    public const string Section = "Caching";

    /// <summary>Prefix of every key this deployment writes to Redis, so deployments can share a server.</summary>
    [Required]
    public string InstanceName { get; set; } = "taskmanager";

    /// <summary>How long an entry lives in Redis (and in memory without Redis).</summary>
    [Range(1, 86_400)]
    public int ExpirationSeconds { get; set; } = 300;

    /// <summary>How long an entry lives in this process's memory. Staleness does not depend on it: every read checks
    /// the data set's generation in Redis first.</summary>
    [Range(1, 3_600)]
    public int LocalExpirationSeconds { get; set; } = 5;

    /// <summary>Most bytes of cached pages this process keeps in memory; past it the least recently used are dropped.</summary>
    [Range(1_024, long.MaxValue)]
    public long LocalSizeLimitBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>How long a write waits for every instance to confirm it has dropped what the write made stale. An
    /// instance slower than this (logged) may serve a stale read for as long as it lags.</summary>
    [Range(10, 60_000)]
    public int InvalidationAckMilliseconds { get; set; } = 500;
}
