using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace TaskManager.Infrastructure.RateLimiting;

/// <summary>Permits beyond the one the middleware took, for a request that stands for several calls (a batch). They come
/// from the same global limiter and bucket, so they are shared across instances and the RateLimit header counts them.</summary>
public static class RequestPermits
{
    /// <summary>Null when granted (or limits are off); else the 429 to answer, with Retry-After.</summary>
    public static async ValueTask<Problem?> AcquireMoreAsync(HttpContext http, int permits, CancellationToken ct)
    {
        var limiter = http.RequestServices.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        if (permits <= 0 || limiter is null)
        {
            return null;
        }
        var quota = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.User.TokenLimit;
        if (permits > quota)
        {
            // A bucket never holds this many: refused at once rather than asked for (the limiters throw).
            return Problem.Of(StatusCodes.Status429TooManyRequests,
                $"This request counts as {permits + 1} calls, more than the rate limit's quota of {quota}. Send fewer at once.", 1);
        }
        using var lease = await limiter.AcquireAsync(http, permits, ct);
        if (lease.IsAcquired)
        {
            return null;
        }
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TaskManager.RateLimiting")
            .LogInformation("Rate limit reached on {Method} {Path} for {Permits} more calls; retry after {Seconds} s",
                http.Request.Method, http.Request.Path, permits, seconds);
        return Problem.Of(StatusCodes.Status429TooManyRequests,
            string.Create(CultureInfo.InvariantCulture, $"Too many requests: this request counts as {permits + 1} calls. Try again in {seconds} seconds."),
            seconds);
    }
}
