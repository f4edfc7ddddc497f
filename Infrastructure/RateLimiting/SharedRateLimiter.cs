using System.Globalization;
using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.RateLimiting;

/// <summary>One partition's limit (an address, a user), counted in Redis (RedisRateLimiting) so instances share it.
/// Adds what that package lacks: an in-process fallback while Redis is away (fail open per instance, see
/// docs/security.md), Retry-After on every rejection, the permits left after each request (for the RateLimit header),
/// and idleness, so partitions seen once are released.</summary>
internal sealed class SharedRateLimiter(RateLimiter? shared, ReplenishingRateLimiter local, TimeSpan retryAfterWhenUnknown,
    RedisLimiterAvailability availability, TimeProvider clock) : ReplenishingRateLimiter
{
    private long lastUsedTicks = clock.GetUtcNow().UtcTicks;

    // The ASP.NET Core partitioned limiter drives replenishment of the in-process limiter through TryReplenish.
    public override bool IsAutoReplenishing => false;
    public override TimeSpan ReplenishmentPeriod => local.ReplenishmentPeriod;
    public override bool TryReplenish() => local.TryReplenish();

    public override TimeSpan? IdleDuration
    {
        get
        {
            var sinceUse = TimeSpan.FromTicks(clock.GetUtcNow().UtcTicks - Interlocked.Read(ref lastUsedTicks));
            return local.IdleDuration is { } localIdle ? (localIdle < sinceUse ? localIdle : sinceUse) : null;
        }
    }

    public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

    // Only the asynchronous path may ask Redis. Answering "not acquired" here sends the middleware to
    // AcquireAsync, as the package itself does; a probe for zero permits is answered locally.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        permitCount == 0 ? local.AttemptAcquire(0) : TryAsync.Instance;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken ct)
    {
        Interlocked.Exchange(ref lastUsedTicks, clock.GetUtcNow().UtcTicks);
        if (shared is not null && availability.ShouldTry)
        {
            try
            {
                var lease = await shared.AcquireAsync(permitCount, ct);
                availability.Succeeded();
                return lease.IsAcquired ? Counted(lease, SharedRemaining(lease)) : Rejected(lease);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                availability.Failed(ex);
            }
        }
        var fallback = await local.AcquireAsync(permitCount, ct);
        return fallback.IsAcquired ? Counted(fallback, local.GetStatistics()?.CurrentAvailablePermits) : Rejected(fallback);
    }

    // RedisRateLimiting reports what is left in the bucket or window after this request (RATELIMIT_REMAINING).
    private static long? SharedRemaining(RateLimitLease lease) =>
        lease.TryGetMetadata("RATELIMIT_REMAINING", out var value) && value is not null &&
        long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var remaining)
            ? remaining
            : null;

    private static RateLimitLease Counted(RateLimitLease lease, long? remaining) => remaining is { } left ? new CountedLease(lease, left) : lease;

    private RateLimitLease Rejected(RateLimitLease lease)
    {
        var retryAfter = retryAfterWhenUnknown;
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var standard) && standard > TimeSpan.Zero)
        {
            retryAfter = standard;
        }
        else if (lease.TryGetMetadata("RETRY_AFTER", out var seconds) && seconds is not null &&
                 int.TryParse(Convert.ToString(seconds, CultureInfo.InvariantCulture), out var value) && value > 0)
        {
            retryAfter = TimeSpan.FromSeconds(value);
        }
        lease.Dispose();
        return new RejectedLease(retryAfter);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            shared?.Dispose();
            local.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (shared is not null)
        {
            await shared.DisposeAsync();
        }
        await local.DisposeAsync();
    }

    private sealed class TryAsync : RateLimitLease
    {
        public static readonly TryAsync Instance = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class RejectedLease(TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name, RateLimitHeaders.Remaining.Name];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : metadataName == RateLimitHeaders.Remaining.Name ? 0L
                : null;
            return metadata is not null;
        }
    }

    /// <summary>An acquired lease that also tells how many permits are left (<see cref="RateLimitHeaders.Remaining"/>).</summary>
    private sealed class CountedLease(RateLimitLease inner, long remaining) : RateLimitLease
    {
        public override bool IsAcquired => inner.IsAcquired;
        public override IEnumerable<string> MetadataNames => inner.MetadataNames.Append(RateLimitHeaders.Remaining.Name);
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == RateLimitHeaders.Remaining.Name)
            {
                metadata = remaining;
                return true;
            }
            return inner.TryGetMetadata(metadataName, out metadata);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Whether this instance currently counts in Redis. After a failure it counts locally for
/// RedisRetrySeconds, then tries Redis again; each outage is logged once, and so is the recovery.</summary>
public sealed class RedisLimiterAvailability(TimeProvider clock, ILogger<RedisLimiterAvailability> logger, TimeSpan retryAfter)
{
    private long downUntilTicks;
    private int down;

    public bool ShouldTry => clock.GetUtcNow().UtcTicks >= Interlocked.Read(ref downUntilTicks);

    public void Failed(Exception ex)
    {
        Interlocked.Exchange(ref downUntilTicks, (clock.GetUtcNow() + retryAfter).UtcTicks);
        if (Interlocked.Exchange(ref down, 1) == 0)
        {
            logger.LogWarning("Redis is unavailable for rate limiting; this instance counts requests on its own until it is back: {Error}", ex.Message);
        }
    }

    public void Succeeded()
    {
        if (Volatile.Read(ref down) == 1 && Interlocked.Exchange(ref down, 0) == 1)
        {
            logger.LogInformation("Redis is back; rate limits are shared across instances again");
        }
    }
}
