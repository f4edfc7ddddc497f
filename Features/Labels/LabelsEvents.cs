using System.Text.Json;
using MassTransit;

namespace TaskManager.Features.Labels;

/// <summary>A label was created, changed or deleted. Written to the outbox in the statement of the change itself
/// (label_changed_event, migration V19); webhooks deliver it.</summary>
[MessageUrn("taskmanager:labels:label-changed:v1")]
[EntityName("taskmanager.label-changed")]
public sealed record LabelChanged
{
    public required long LabelId { get; init; }
    public required long ProjectId { get; init; }
    public required string Action { get; init; }

    /// <summary>The label as v2 shows it after the change (before it, for a deletion).</summary>
    public required JsonElement Label { get; init; }

    public long? ModifiedBy { get; init; }
    public required DateTime ChangedAt { get; init; }

    /// <summary>The change's position in the feed (migration V24); none on messages written before it.</summary>
    public string? ChangePosition { get; init; }
}

public static class LabelActions
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";
}
