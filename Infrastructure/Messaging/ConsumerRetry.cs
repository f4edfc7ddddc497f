using MassTransit;

namespace TaskManager.Infrastructure.Messaging;

/// <summary>The one retry policy of every consumer: a transient fault (the database restarting) is retried with
/// growing pauses; an invalid message is not, and goes straight to its _error queue to be inspected.</summary>
public static class ConsumerRetry
{
    public static readonly int[] IntervalsMs = [100, 1_000, 5_000, 15_000, 60_000];

    public static void UseConsumerRetry(this IReceiveEndpointConfigurator endpoint) => endpoint.UseMessageRetry(retry =>
    {
        retry.Ignore<ValidationException>();
        retry.Intervals(IntervalsMs);
    });

    /// <summary>Whether this delivery is the last the policy makes (so its failure is final).</summary>
    public static bool IsLastAttempt(this ConsumeContext context) => context.GetRetryAttempt() >= IntervalsMs.Length;
}
