namespace TaskManager.Features.Tasks;

/// <summary>A task as the v1 routes answer it.</summary>
public sealed record TaskResponse
{
    public string? Message { get; init; }
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
    public long ProjectId { get; init; }

    public static TaskResponse From(TaskRow row, string message) => new()
    {
        Message = message,
        Id = row.Id,
        TaskName = row.TaskName,
        Description = row.Description,
        Status = row.Status,
        Priority = row.Priority,
        AssignedUserId = row.AssignedUserId,
        AssignedUser = row.AssignedUser,
        CreatedBy = row.CreatedBy,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        DueDate = row.DueDate,
        Done = row.Done,
        ProjectId = row.ProjectId,
    };
}
