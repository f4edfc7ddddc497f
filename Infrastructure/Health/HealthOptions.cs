namespace TaskManager.Infrastructure.Health;

/// <summary>What the health endpoints tell anyone who asks, from the <c>Health</c> section.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>List each dependency with its status and timing. Off by default: the endpoints are anonymous,
    /// and the names and timings of what a service depends on help an attacker more than a load balancer,
    /// which needs only the status code.</summary>
    public bool ShowDetails { get; set; }
}
