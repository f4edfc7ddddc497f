using System.Text.Json;
using MassTransit;

namespace TaskManager.Features.Tasks;

/// <summary>A task was created, updated, deleted (soft), restored, imported or purged. `Changes` holds each
/// changed field's old and new value: {"priority": {"old": "LOW", "new": "HIGH"}}. Written to the outbox in
/// the transaction of the change itself; the message id is the outbox row's.</summary>
[MessageUrn("taskmanager:tasks:task-changed:v1")]
[EntityName("taskmanager.task-changed")]
public sealed record TaskChanged
{
    public required long TaskId { get; init; }
    public required string Action { get; init; }
    public required JsonElement Changes { get; init; }
    public bool? PreviousStatus { get; init; }
    public bool? NewStatus { get; init; }
    public long? ModifiedBy { get; init; }
    public string? ModifiedByUsername { get; init; }
    public required DateTime ChangedAt { get; init; }

    /// <summary>The change's position in the feed (migration V24); none on messages written before it.</summary>
    public string? ChangePosition { get; init; }

    /// <summary>The task as v2 shows it after the change (before it, for a purge), with its version.</summary>
    public JsonElement? Task { get; init; }

    /// <summary>The project the task is in after the change (before it, for a purge). A message written before tasks
    /// named their project is of the default project, where every task then was.</summary>
    public long ProjectIdOrDefault() =>
        Task is { ValueKind: JsonValueKind.Object } task && task.TryGetProperty("project_id", out var id) && id.TryGetInt64(out var value) ? value : 1;
}

public static class TaskActions
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";
    public const string Restored = "restored";
    public const string Imported = "imported";
    public const string Purged = "purged";

    public static readonly string[] All = [Created, Updated, Deleted, Restored, Imported, Purged];
}
