using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace TaskManager.Features.Webhooks;

public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>Accept and deliver to plain http:// URLs (development and tests only).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>Accept and deliver to hosts on loopback, private, link-local and other internal addresses (development and tests only).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long one attempt may take, from connecting to the end of reading the answer's body; a slower
    /// receiver's attempt fails.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Waits after each failed attempt, comma-separated; once they are used up the delivery is failed.</summary>
    public string RetryScheduleSeconds { get; set; } = "5,300,1800,7200,18000,36000,36000";

    /// <summary>A subscription whose deliveries have failed without a success for this long is set inactive.</summary>
    [Range(0.0001, 24 * 365)]
    public double DisableAfterHours { get; set; } = 72;

    /// <summary>Deliveries of one subscription a worker sends at once.</summary>
    [Range(1, 1000)]
    public int MaxParallelPerSubscription { get; set; } = 16;

    /// <summary>Attempts one worker makes at once, across all subscriptions: each holds a socket and a task.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentAttempts { get; set; } = 256;

    /// <summary>Subscriptions one user may create.</summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerUser { get; set; } = 25;

    /// <summary>Most bytes of a receiver's response read (and then discarded).</summary>
    [Range(0, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 4096;

    /// <summary>Deliveries one worker claims per round.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How often the dispatcher looks for due deliveries when it found none.</summary>
    [Range(10, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 250;

    /// <summary>Base64 of 32 bytes that encrypt the stored secrets. Empty: derived from Jwt:SigningKey.</summary>
    public string SecretKey { get; set; } = "";

    public int[] RetrySchedule() => RetryScheduleSeconds
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var parts = RetryScheduleSeconds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s is < 0 or > 7 * 86_400))
        {
            yield return new ValidationResult("Webhooks:RetryScheduleSeconds must be comma-separated whole seconds (0 to 604800), e.g. 5,300,1800.",
                [nameof(RetryScheduleSeconds)]);
        }
        if (SecretKey.Length > 0 && !(Convert.TryFromBase64String(SecretKey, new byte[64], out var length) && length == 32))
        {
            yield return new ValidationResult("Webhooks:SecretKey must be the base64 of 32 random bytes (openssl rand -base64 32).", [nameof(SecretKey)]);
        }
    }
}
