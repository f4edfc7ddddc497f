namespace TaskManager.Infrastructure.RateLimiting;

/// <summary>Every request limit, from the <c>RateLimiting</c> section. Defaults are SPEC's.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Off for benchmarks: no limiter runs at all (the named policies still exist, unlimited).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>POST /api/register, per client address.</summary>
    public WindowLimit Register { get; set; } = new() { PermitLimit = 10, WindowSeconds = 3600 };

    /// <summary>POST /api/login, per client address.</summary>
    public WindowLimit Login { get; set; } = new() { PermitLimit = 20, WindowSeconds = 3600 };

    /// <summary>POST /api/upload-csv, per signed-in user.</summary>
    public WindowLimit Upload { get; set; } = new() { PermitLimit = 10, WindowSeconds = 3600 };

    /// <summary>Every call with a valid access token, per user.</summary>
    public BucketLimit User { get; set; } = new() { TokenLimit = 200, TokensPerSecond = 20 };

    /// <summary>Every call without one (register, login, refresh, logout, docs), per client address.</summary>
    public BucketLimit Anonymous { get; set; } = new() { TokenLimit = 60, TokensPerSecond = 1 };

    /// <summary>After a failed Redis call, how long this instance keeps to its in-process counts before trying Redis again.</summary>
    public int RedisRetrySeconds { get; set; } = 5;
}

/// <summary>At most <see cref="PermitLimit"/> requests per fixed window of <see cref="WindowSeconds"/>.</summary>
public sealed class WindowLimit
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; }
}

/// <summary>A token bucket: bursts up to <see cref="TokenLimit"/>, refilled by <see cref="TokensPerSecond"/> each second.</summary>
public sealed class BucketLimit
{
    public int TokenLimit { get; set; }
    public int TokensPerSecond { get; set; }
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        void Window(string key, WindowLimit limit)
        {
            if (limit.PermitLimit < 1 || limit.WindowSeconds < 1)
            {
                failures.Add($"{RateLimitOptions.Section}:{key} needs PermitLimit and WindowSeconds of 1 or more.");
            }
        }
        void Bucket(string key, BucketLimit limit)
        {
            // The Redis bucket keeps its counters for twice the time it takes to fill: that must be a second or more.
            if (limit.TokensPerSecond < 1 || limit.TokenLimit < limit.TokensPerSecond)
            {
                failures.Add($"{RateLimitOptions.Section}:{key} needs TokensPerSecond of 1 or more and a TokenLimit at least as large.");
            }
        }
        Window(nameof(options.Register), options.Register);
        Window(nameof(options.Login), options.Login);
        Window(nameof(options.Upload), options.Upload);
        Bucket(nameof(options.User), options.User);
        Bucket(nameof(options.Anonymous), options.Anonymous);
        if (options.RedisRetrySeconds is < 1 or > 3600)
        {
            failures.Add($"{RateLimitOptions.Section}:RedisRetrySeconds must be between 1 and 3600.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
