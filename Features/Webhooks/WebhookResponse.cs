namespace TaskManager.Features.Webhooks;

/// <summary>A subscription as the routes show it; the secret never appears here.</summary>
public sealed record WebhookResponse
{
    public required long Id { get; init; }

    /// <summary>The one project whose events it receives, or null for every project its creator can read.</summary>
    public long? ProjectId { get; init; }
    public required string Url { get; init; }
    public required string[] Events { get; init; }
    public string? Description { get; init; }
    public required bool Active { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
}
