using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using RedisRateLimiting;
using StackExchange.Redis;
using TaskManager.Infrastructure.Caching;

namespace TaskManager.Infrastructure.RateLimiting;

/// <summary>The named policies endpoints opt into with <c>.RequireRateLimiting(...)</c>. Every other call
/// is limited by the global per-user (or, anonymous, per-address) token bucket.</summary>
public static class RateLimitPolicies
{
    public const string Register = "register";
    public const string Login = "login";
    public const string Upload = "upload";
}

public static class RateLimitingExtensions
{
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton(sp => new RedisLimiterAvailability(sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisLimiterAvailability>>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.RedisRetrySeconds)));
        services.AddSingleton<RateLimitPartitions>();

        var enabled = builder.Configuration.GetValue($"{RateLimitOptions.Section}:{nameof(RateLimitOptions.Enabled)}", true);
        services.AddRateLimiter(o =>
        {
            if (!enabled)
            {
                // Endpoints still name their policies; with limits off each is a no-op.
                o.AddPolicy(RateLimitPolicies.Register, _ => RateLimitPartition.GetNoLimiter(""));
                o.AddPolicy(RateLimitPolicies.Login, _ => RateLimitPartition.GetNoLimiter(""));
                o.AddPolicy(RateLimitPolicies.Upload, _ => RateLimitPartition.GetNoLimiter(""));
                return;
            }
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = new AnnouncingRateLimiter(PartitionedRateLimiter.Create<HttpContext, string>(http => Partitions(http).General(http)),
                http => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.User);
            o.AddPolicy(RateLimitPolicies.Register, http => Partitions(http).Register(http));
            o.AddPolicy(RateLimitPolicies.Login, http => Partitions(http).Login(http));
            o.AddPolicy(RateLimitPolicies.Upload, http => Partitions(http).Upload(http));
            o.OnRejected = RejectAsync;
        });
        return builder;
    }

    /// <summary>After authentication, so a signed-in caller is counted as a user rather than an address.</summary>
    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
        {
            app.UseRateLimiter();
        }
        return app;
    }

    private static RateLimitPartitions Partitions(HttpContext http) => http.RequestServices.GetRequiredService<RateLimitPartitions>();

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var value) ? value : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TaskManager.RateLimiting")
            .LogInformation("Rate limit reached on {Method} {Path}; retry after {Seconds} s", http.Request.Method, http.Request.Path, seconds);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Too many requests. Try again in {seconds} seconds.",
            },
        });
    }
}

/// <summary>Builds each partition's limiter: counted in Redis (shared by every instance) when it is configured,
/// always with an in-process twin used while Redis is away.</summary>
public sealed class RateLimitPartitions(IOptions<RateLimitOptions> options, IOptions<CachingOptions> caching,
    RedisLimiterAvailability availability, TimeProvider clock, IServiceProvider services)
{
    private readonly IConnectionMultiplexer? redis = services.GetService<IConnectionMultiplexer>();

    /// <summary>A personal access token has a bucket of its own, apart from its user's sessions (which share one).</summary>
    public RateLimitPartition<string> General(HttpContext http) =>
        http.User.Identity?.IsAuthenticated != true ? Bucket("anonymous", ClientAddress(http), options.Value.Anonymous)
        : http.User.TokenId() is { } token ? Bucket("token", token.ToString(CultureInfo.InvariantCulture), options.Value.User)
        : Bucket("user", http.User.UserId().ToString(CultureInfo.InvariantCulture), options.Value.User);

    public RateLimitPartition<string> Register(HttpContext http) => Window(RateLimitPolicies.Register, ClientAddress(http), options.Value.Register);

    public RateLimitPartition<string> Login(HttpContext http) => Window(RateLimitPolicies.Login, ClientAddress(http), options.Value.Login);

    public RateLimitPartition<string> Upload(HttpContext http) =>
        Window(RateLimitPolicies.Upload, http.User.Identity?.IsAuthenticated == true
            ? "user:" + http.User.UserId().ToString(CultureInfo.InvariantCulture)
            : ClientAddress(http), options.Value.Upload);

    private RateLimitPartition<string> Window(string policy, string key, WindowLimit limit)
    {
        var window = TimeSpan.FromSeconds(limit.WindowSeconds);
        return RateLimitPartition.Get($"{policy}:{key}", partition => new SharedRateLimiter(
            redis is null ? null : new RedisFixedWindowRateLimiter<string>(SharedKey(partition), new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis,
                PermitLimit = limit.PermitLimit,
                Window = window,
            }),
            new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit.PermitLimit,
                Window = window,
                QueueLimit = 0,
                AutoReplenishment = false,
            }),
            window, availability, clock));
    }

    private RateLimitPartition<string> Bucket(string policy, string key, BucketLimit limit) =>
        RateLimitPartition.Get($"{policy}:{key}", partition => new SharedRateLimiter(
            // A one-second period: the package's bucket counts whole periods in whole seconds, exact only at this period.
            redis is null ? null : new RedisTokenBucketRateLimiter<string>(SharedKey(partition), new RedisTokenBucketRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis,
                TokenLimit = limit.TokenLimit,
                TokensPerPeriod = limit.TokensPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            }),
            new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.TokenLimit,
                TokensPerPeriod = limit.TokensPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            }),
            TimeSpan.FromSeconds(1), availability, clock));

    // Deployments sharing a Redis server keep their counts apart, as their cache keys are.
    private string SharedKey(string partition) => $"{caching.Value.InstanceName}:{partition}";

    /// <summary>The caller's address. An IPv6 client usually holds a whole /64, so that prefix is one partition;
    /// otherwise rotating addresses within it would reset the count. Behind a reverse proxy this is the proxy's
    /// address unless forwarded headers are enabled (docs/security.md).</summary>
    public static string ClientAddress(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }
}
