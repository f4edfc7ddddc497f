namespace TaskManager.Features.Tasks;

/// <summary>A task as it is stored: what the handlers return, whichever interface asked. Not sealed: a list reads its
/// sort key in the same row (ListTasks).</summary>
public record TaskRow
{
    public required long Id { get; init; }
    public required string TaskName { get; init; }
    public string? Description { get; init; }
    public required bool Status { get; init; }
    public required string Priority { get; init; }
    public long? AssignedUserId { get; init; }
    public string? AssignedUser { get; init; }
    public long? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateOnly? DueDate { get; init; }
    public bool Done { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? DeletedAt { get; init; }
    public int Version { get; init; }
    public long ProjectId { get; init; }
    public string[] Labels { get; init; } = [];
    public long? ParentId { get; init; }
    public int SubtaskCount { get; init; }
    public int SubtasksDone { get; init; }
    public long[] BlockedBy { get; init; } = [];
    public bool Blocked { get; init; }
    public int CommentCount { get; init; }
}
