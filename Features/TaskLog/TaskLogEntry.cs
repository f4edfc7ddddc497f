namespace TaskManager.Features.TaskLog;

/// <summary>One day's state of one task (status, priority), with the task's live fields.</summary>
public record TaskLogEntry
{
    public required long Id { get; init; }
    public required long TaskId { get; init; }
    public required DateOnly LogDate { get; init; }
    public required bool Status { get; init; }
    public required string Priority { get; init; }
    public required string TaskName { get; init; }
    public string? Description { get; init; }
    public long? AssignedUserId { get; init; }
    public string? AssignedUser { get; init; }
}
