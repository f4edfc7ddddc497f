using MassTransit;

namespace TaskManager.Features.TaskLog;

/// <summary>Asks a worker to take the daily snapshot of the given date. Sent by the scheduler and by an admin,
/// through the outbox; running it twice is harmless.</summary>
[MessageUrn("taskmanager:task-log:take-task-log-snapshot:v1")]
[EntityName("taskmanager.take-task-log-snapshot")]
public sealed record TakeTaskLogSnapshot
{
    public required DateOnly LogDate { get; init; }
}

/// <summary>A daily snapshot was taken: how many log rows it wrote for its date.</summary>
[MessageUrn("taskmanager:task-log:task-log-snapshot-taken:v1")]
[EntityName("taskmanager.task-log-snapshot-taken")]
public sealed record TaskLogSnapshotTaken
{
    public required DateOnly LogDate { get; init; }
    public required long Rows { get; init; }
    public required DateTime TakenAt { get; init; }
}
