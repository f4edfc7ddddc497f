using System.ComponentModel;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Tasks.DeleteTask;

public sealed record DeleteTaskResponse(string Message);

/// <summary>Soft delete: the task stays, inactive (status false), and today's log row says so.</summary>
public sealed record DeleteTaskCommand(long TaskId, long UserId, bool Privileged) : ICommand<Outcome<DeleteTaskResponse>>
{
    /// <summary>An admin reads every project; anyone else finds a task of a project it may not read missing (404).</summary>
    public bool CallerIsAdmin { get; init; }

    public long CallerId => UserId;
}

/// <summary>Permanent delete (admin): the task and its daily-log rows are removed.</summary>
public sealed record PurgeTaskCommand(long TaskId, long UserId) : ICommand<Outcome<DeleteTaskResponse>>;

public sealed class DeleteTaskHandler(DbSession db, TaskReadCache cache) :
    ICommandHandler<DeleteTaskCommand, Outcome<DeleteTaskResponse>>,
    ICommandHandler<PurgeTaskCommand, Outcome<DeleteTaskResponse>>
{
    // Its subtasks go with it (TaskSql.CascadeCte).
    private static readonly string SoftDeleteSql = $"""
        WITH RECURSIVE old AS (
            SELECT t AS row FROM tasks t WHERE t.id = @TaskId FOR UPDATE
        ), root AS (
            UPDATE tasks t SET status = false, updated_at = now(), version = t.version + 1
            FROM old
            WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable} AND {ProjectAccess.TaskChangeable} AND {ProjectAccess.TaskProjectOpen}
            RETURNING t.*, t AS new_row, old.row AS old_row, 'deleted'::text AS action
        ), {TaskSql.SubtreeCte}, {TaskSql.CascadeCte}, {TaskSql.LogTodayCte}, {TaskSql.OutboxEventCte}
        SELECT count(*) FROM changed WHERE id = @TaskId
        """;

    // Only read when nothing was deleted, to say why: null when the task does not exist for the caller.
    private const string WhyNotSql = $"SELECT {ProjectAccess.TaskChangeable} FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}";

    // The log rows go with the task (ON DELETE CASCADE); the audit trail stays, and records the purge. Its subtree goes
    // with it, and the tasks it blocked no longer name it.
    private static readonly string PurgeSql = $"""
        WITH RECURSIVE {TaskSql.SubtreeCte}, gone AS (
            SELECT @TaskId::bigint AS id UNION SELECT id FROM subtree
        ), changed AS (
            DELETE FROM tasks t WHERE t.id IN (SELECT id FROM gone) AND {ProjectAccess.TaskProjectOpen}
            RETURNING t.id, NULL::tasks AS new_row, t AS old_row, 'purged'::text AS action
        ), unblocked AS (
            UPDATE tasks o SET blocked_by = ARRAY(SELECT x FROM unnest(o.blocked_by) x WHERE x NOT IN (SELECT id FROM gone)), version = o.version + 1
            WHERE o.blocked_by && ARRAY(SELECT id FROM gone) AND o.id NOT IN (SELECT id FROM gone)
              AND EXISTS (SELECT 1 FROM changed WHERE id = @TaskId)
        ), {TaskSql.OutboxEventCte}
        SELECT count(*) FROM changed WHERE id = @TaskId
        """;

    public async ValueTask<Outcome<DeleteTaskResponse>> Handle(DeleteTaskCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SoftDeleteSql, command, cancellationToken: ct)) == 1)
        {
            await lease.AfterCommitAsync(cache.InvalidateAsync); // back to the pool before the cache bump, which waits on Redis
            return new DeleteTaskResponse("Task deleted successfully");
        }
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(WhyNotSql, command, cancellationToken: ct)) switch
        {
            null => Outcome<DeleteTaskResponse>.NotFound($"Task {command.TaskId} does not exist."),
            false => Outcome<DeleteTaskResponse>.Forbidden(TaskProblems.MayNotChange),
            true => Outcome<DeleteTaskResponse>.Conflict(TaskProblems.Archived),
        };
    }

    public async ValueTask<Outcome<DeleteTaskResponse>> Handle(PurgeTaskCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(PurgeSql, command, cancellationToken: ct)) == 0)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM tasks WHERE id = @TaskId)", command,
                    cancellationToken: ct))
                ? Outcome<DeleteTaskResponse>.Conflict(TaskProblems.Archived)
                : Outcome<DeleteTaskResponse>.NotFound($"Task {command.TaskId} does not exist.");
        }
        await lease.AfterCommitAsync(cache.InvalidateAsync);
        return new DeleteTaskResponse("Task permanently deleted");
    }
}

public static class DeleteTaskEndpoint
{
    public static RouteHandlerBuilder MapDeleteTask(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id:long}", HandleAsync)
        .WithName("DeleteTask")
        .WithSummary("Delete a task")
        .WithDescription("Delete a task (the id is a task's): soft by default (status false); with permanent=true (admin) remove it and its daily log.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<DeleteTaskResponse>, NoContent, Problem>> HandleAsync(
        [FromRoute(Name = "id"), Description("The id of a task.")] long taskId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct,
        [FromQuery] bool permanent = false)
    {
        if (permanent && !user.IsInRole(Roles.Admin))
        {
            return Problem.Of(StatusCodes.Status403Forbidden, "Only an admin may delete a task permanently.");
        }
        var outcome = permanent
            ? await mediator.Send(new PurgeTaskCommand(taskId, user.UserId()), ct)
            : await mediator.Send(new DeleteTaskCommand(taskId, user.UserId(), user.IsPrivileged()) { CallerIsAdmin = user.IsInRole(Roles.Admin) }, ct);
        if (!outcome.IsOk)
        {
            return Problem.From(outcome);
        }
        return permanent ? TypedResults.NoContent() : TypedResults.Ok(outcome.Value);
    }
}
