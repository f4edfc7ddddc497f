using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TaskManager.Infrastructure.Caching;

public static class CachingExtensions
{
    /// <summary>HybridCache: memory first, then Redis when ConnectionStrings:Redis is set. Without Redis the
    /// service runs on one machine with the memory level alone.</summary>
    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var cachingSection = builder.Configuration.GetSection(CachingOptions.Section);
        var expiration = TimeSpan.FromSeconds(cachingSection.GetValue("ExpirationSeconds", 300));
        var localExpiration = TimeSpan.FromSeconds(cachingSection.GetValue("LocalExpirationSeconds", 5));
        // The memory level drops expired entries only when it scans for them (by default once a minute), so under
        // reads of many distinct keys it held a minute of them. Scanning every second keeps it to about one local
        // lifetime's worth, and a scan is cheap.
        services.AddMemoryCache(o => o.ExpirationScanFrequency = TimeSpan.FromSeconds(1));
        services.AddHybridCache(o =>
        {
            o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = expiration, LocalCacheExpiration = localExpiration };
            o.MaximumPayloadBytes = 4 * 1024 * 1024;
        }).AddSerializerFactory<CachedJsonSerializerFactory>();

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var configuration = ConfigurationOptions.Parse(redis);
            // Redis is an accelerator, not a dependency: never fail start-up or a request because it is away,
            // and give up on a call quickly so a read falls through to PostgreSQL.
            configuration.AbortOnConnectFail = false;
            // While disconnected, fail each call at once instead of queueing it until a timeout.
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
            configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 1000);
            configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
            configuration.ClientName ??= "taskmanager";
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(configuration));
            // One multiplexer for the cache, the generations and the health check.
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<IConnectionMultiplexer, IOptions<CachingOptions>>((o, multiplexer, caching) =>
            {
                o.InstanceName = caching.Value.InstanceName + ":";
                o.ConnectionMultiplexerFactory = () => Task.FromResult(multiplexer);
            });
            services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), "redis",
                failureStatus: HealthStatus.Degraded, tags: ["ready"]);
        }
        services.AddSingleton<CacheGenerations>();
        return builder;
    }
}
