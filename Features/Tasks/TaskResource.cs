namespace TaskManager.Features.Tasks;

/// <summary>A task as the v2 routes answer it: deletion is a time (`deleted_at`), not a status, and `done` is apart
/// from it; `version` is the number behind the ETag.</summary>
public sealed record TaskResource
{
    public required long Id { get; init; }
    public required string TaskName { get; init; }
    public string? Description { get; init; }
    public required string Priority { get; init; }
    public required bool Done { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateOnly? DueDate { get; init; }
    public long? AssignedUserId { get; init; }
    public string? AssignedUser { get; init; }
    public long? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateTime? DeletedAt { get; init; }
    public required int Version { get; init; }
    public required long ProjectId { get; init; }

    /// <summary>Its labels' names, sorted ignoring case.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The task it is a subtask of (same project), or null for a top-level task.</summary>
    public long? ParentId { get; init; }

    /// <summary>Its direct subtasks that are not deleted, and how many of them are done.</summary>
    public required int SubtaskCount { get; init; }
    public required int SubtasksDone { get; init; }

    /// <summary>The tasks (same project) that must be done first.</summary>
    public required IReadOnlyList<long> BlockedBy { get; init; }

    /// <summary>True while any task in blocked_by is neither done nor deleted.</summary>
    public required bool Blocked { get; init; }

    /// <summary>How many comments it has.</summary>
    public required int CommentCount { get; init; }

    public static TaskResource From(TaskRow row) => new()
    {
        Id = row.Id,
        TaskName = row.TaskName,
        Description = row.Description,
        Priority = row.Priority,
        Done = row.Done,
        CompletedAt = row.CompletedAt,
        DueDate = row.DueDate,
        AssignedUserId = row.AssignedUserId,
        AssignedUser = row.AssignedUser,
        CreatedBy = row.CreatedBy,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        DeletedAt = row.DeletedAt,
        Version = row.Version,
        ProjectId = row.ProjectId,
        Labels = row.Labels,
        ParentId = row.ParentId,
        SubtaskCount = row.SubtaskCount,
        SubtasksDone = row.SubtasksDone,
        BlockedBy = row.BlockedBy,
        Blocked = row.Blocked,
        CommentCount = row.CommentCount,
    };
}
