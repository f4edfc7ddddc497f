using System.Globalization;
using System.Threading.RateLimiting;

namespace TaskManager.Infrastructure.RateLimiting;

/// <summary>The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-11 on every signed-in answer,
/// read from the lease the global limiter just granted or refused, so they are the shared (Redis) count that decides a
/// 429, the same on every instance. The token bucket is stated as its quota (q, the burst) and the time it takes to refill
/// from empty (w); t is the seconds until the bucket is full again.</summary>
public static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string Header = "RateLimit";
    public const string PolicyName = "default";

    /// <summary>Lease metadata: the permits left in the caller's bucket after this request.</summary>
    public static readonly MetadataName<long> Remaining = MetadataName.Create<long>("TASKMANAGER_REMAINING");

    public static string Policy(BucketLimit bucket) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{PolicyName}\";q={bucket.TokenLimit};w={Refill(bucket, bucket.TokenLimit)}");

    public static string State(BucketLimit bucket, long remaining)
    {
        var left = Math.Clamp(remaining, 0, bucket.TokenLimit);
        return string.Create(CultureInfo.InvariantCulture, $"\"{PolicyName}\";r={left};t={Refill(bucket, bucket.TokenLimit - left)}");
    }

    private static long Refill(BucketLimit bucket, long permits) => (permits + bucket.TokensPerSecond - 1) / bucket.TokensPerSecond;
}

/// <summary>The global limiter, with the fields written from each lease. Only the middleware's lease tells what is left, so
/// this wraps the limiter rather than reading a count again after it.</summary>
internal sealed class AnnouncingRateLimiter(PartitionedRateLimiter<HttpContext> inner, Func<HttpContext, BucketLimit> signedIn) : PartitionedRateLimiter<HttpContext>
{
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => inner.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        Announce(resource, inner.AttemptAcquire(resource, permitCount));

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        Announce(resource, await inner.AcquireAsync(resource, permitCount, cancellationToken));

    private RateLimitLease Announce(HttpContext http, RateLimitLease lease)
    {
        if (http.User.Identity?.IsAuthenticated == true && lease.TryGetMetadata(RateLimitHeaders.Remaining, out var remaining))
        {
            var bucket = signedIn(http);
            http.Response.Headers[RateLimitHeaders.PolicyHeader] = RateLimitHeaders.Policy(bucket);
            http.Response.Headers[RateLimitHeaders.Header] = RateLimitHeaders.State(bucket, remaining);
        }
        return lease;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override ValueTask DisposeAsyncCore() => inner.DisposeAsync();
}
