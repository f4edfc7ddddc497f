using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Messaging;

/// <summary>The RabbitMQ broker. Without a host the service uses MassTransit's in-memory transport, which only reaches
/// consumers in the same process: roles `api` and `worker` refuse to start without one, only `all` may.</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>Declare the service's queues as quorum queues (replicated; what a RabbitMQ cluster needs). A queue
    /// cannot change kind once declared: switching an existing broker means deleting its queues first.</summary>
    public bool QuorumQueues { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Most messages one relay claims and publishes per transaction.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>How long a relay waits before it looks again once it found the outbox empty: the most an event
    /// waits to be published, and the window a burst of writes is published together in (one commit).</summary>
    [Range(10, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 100;

    /// <summary>Upper bound of the wait between attempts while the broker is away.</summary>
    [Range(1, 600)]
    public int MaxBackoffSeconds { get; set; } = 30;

    /// <summary>How long a publish may wait for the broker's confirm before the batch is retried.</summary>
    [Range(1, 600)]
    public int PublishTimeoutSeconds { get; set; } = 10;

    /// <summary>Sent messages are deleted after this long.</summary>
    [Range(1, 24 * 365)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>Lag above this is logged as a warning.</summary>
    [Range(1, 86_400)]
    public int LagWarningSeconds { get; set; } = 30;
}
