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
