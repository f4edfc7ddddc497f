namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>A due delivery the dispatcher has leased, with what it needs to sign and send it.</summary>
internal sealed class ClaimedDelivery
{
    public Guid Id { get; init; }
    public long SubscriptionId { get; init; }
    public string Body { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime CreatedAt { get; init; }
    public string Url { get; init; } = "";
    public byte[] Secret { get; init; } = [];
    public byte[]? PreviousSecret { get; init; }
    public DateTime? PreviousSecretExpiresAt { get; init; }
}
