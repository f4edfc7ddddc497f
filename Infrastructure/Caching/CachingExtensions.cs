using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

public static class CachingExtensions
{
    /// <summary>HybridCache: memory first (bounded in bytes), then Redis. ConnectionStrings:Redis holds what must never be
    /// evicted (generations, rate-limit windows); ConnectionStrings:RedisCache, when set, holds the cached pages, so a
    /// server that evicts under memory pressure drops only pages. Without Redis the service runs on one machine with
    /// the memory level alone.</summary>
    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var cachingSection = builder.Configuration.GetSection(CachingOptions.Section);
        var expiration = TimeSpan.FromSeconds(cachingSection.GetValue("ExpirationSeconds", 300));
        var localExpiration = TimeSpan.FromSeconds(cachingSection.GetValue("LocalExpirationSeconds", 5));
        var localSizeLimit = cachingSection.GetValue("LocalSizeLimitBytes", new CachingOptions().LocalSizeLimitBytes);
        services.AddMemoryCache(o =>
        {
            // The memory level drops expired entries only when it scans for them (by default once a minute), so under
            // reads of many distinct keys it held a minute of them. Scanning every second keeps it to about one local
            // lifetime's worth, and a scan is cheap.
            o.ExpirationScanFrequency = TimeSpan.FromSeconds(1);
            // HybridCache gives each entry its size in bytes, so this bounds the memory of many distinct pages.
            o.SizeLimit = localSizeLimit;
            o.TrackStatistics = true;
        });
        services.AddHybridCache(o =>
        {
            o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = expiration, LocalCacheExpiration = localExpiration };
            o.MaximumPayloadBytes = 4 * 1024 * 1024;
        }).AddSerializerFactory<CachedJsonSerializerFactory>();

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => Connect(redis));
            services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), "redis",
                failureStatus: HealthStatus.Degraded, tags: ["ready"]);
        }
        var pages = builder.Configuration.GetConnectionString("RedisCache");
        if (!string.IsNullOrWhiteSpace(pages))
        {
            services.AddKeyedSingleton<IConnectionMultiplexer>(PagesKey, (_, _) => Connect(pages));
            services.AddHealthChecks().AddRedis(sp => sp.GetRequiredKeyedService<IConnectionMultiplexer>(PagesKey), "redis-cache",
                failureStatus: HealthStatus.Degraded, tags: ["ready"]);
        }
        if (!string.IsNullOrWhiteSpace(redis) || !string.IsNullOrWhiteSpace(pages))
        {
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider, IOptions<CachingOptions>>((o, sp, caching) =>
            {
                o.InstanceName = caching.Value.InstanceName + ":";
                var multiplexer = sp.GetKeyedService<IConnectionMultiplexer>(PagesKey) ?? sp.GetRequiredService<IConnectionMultiplexer>();
                o.ConnectionMultiplexerFactory = () => Task.FromResult(multiplexer);
            });
        }
        services.AddSingleton<CacheGenerations>();
        return builder;
    }

    /// <summary>The service key of the Redis connection for cached pages, when they have a server of their own.</summary>
    public const string PagesKey = "redis-cache";

    private static ConnectionMultiplexer Connect(string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        // Redis is an accelerator, not a dependency: never fail start-up or a request because it is away,
        // and give up on a call quickly so a read falls through to PostgreSQL.
        configuration.AbortOnConnectFail = false;
        // While disconnected, fail each call at once instead of queueing it until a timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 1000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
        configuration.ClientName ??= "taskmanager";
        return ConnectionMultiplexer.Connect(configuration);
    }
}
