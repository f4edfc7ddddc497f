using System.ComponentModel;
using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TaskManager.Features.Projects;
using TaskManager.Features.TaskLog;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.OpenApi;

namespace TaskManager.Features.Tasks.UpdateTask;

/// <summary>Any subset of the task's fields; absent or null ones are left as they are. Setting `status`
/// to true restores a deleted task.</summary>
public sealed record UpdateTaskRequest(string? TaskName, string? Description, bool? Status, string? Priority, long? AssignedUserId);

public sealed class UpdateTaskValidator : AbstractValidator<UpdateTaskRequest>
{
    public UpdateTaskValidator()
    {
        RuleFor(r => r.TaskName).ValidTaskName().When(r => r.TaskName is not null);
        RuleFor(r => r.Description).ValidDescription();
        RuleFor(r => r.Priority).ValidPriority().When(r => r.Priority is not null);
        RuleFor(r => r.AssignedUserId).GreaterThan(0).WithMessage("assigned_user_id must be a user id.");
    }
}

/// <summary>A change to a task, from either interface: a null field is left as it is; a Clear flag empties the
/// field (v2's merge patch with null). A change that changes nothing keeps the task's version.</summary>
public sealed record UpdateTaskCommand(long TaskId, long UserId, bool Privileged, int[]? ExpectedVersions,
    string? TaskName, string? Description, bool? Status, string? Priority, long? AssignedUserId,
    DateOnly? DueDate = null, bool? Done = null, bool ClearDescription = false, bool ClearDueDate = false, bool ClearAssignee = false)
    : ICommand<Outcome<TaskRow>>
{
    /// <summary>An admin reads every project; anyone else finds a task of a project it may not read missing (404).</summary>
    public bool CallerIsAdmin { get; init; }

    public long CallerId => UserId;

    /// <summary>Moves the task to this project (v2): the caller must be able to change the task and create in it.</summary>
    public long? ProjectId { get; init; }
}

public sealed class UpdateTaskHandler(NpgsqlDataSource db, TaskLogCache cache) : ICommandHandler<UpdateTaskCommand, Outcome<TaskRow>>
{
    // The caller's right to change the task, the expected version and the assignee's existence are all
    // conditions of the UPDATE itself, so nothing is changed unless every one holds.
    private const string Sql = $"""
        WITH old AS (
            SELECT t AS row FROM tasks t WHERE t.id = @TaskId FOR UPDATE
        ), next AS (
            SELECT n.*, (n.task_name, n.description, n.status, n.priority, n.assigned_user_id, n.due_date, n.done, n.project_id)
                   IS DISTINCT FROM ((o.row).task_name, (o.row).description, (o.row).status, (o.row).priority,
                                     (o.row).assigned_user_id, (o.row).due_date, (o.row).done, (o.row).project_id) AS differs
            FROM old o, LATERAL (SELECT
                coalesce(@TaskName, (o.row).task_name) AS task_name,
                CASE WHEN @ClearDescription THEN NULL ELSE coalesce(@Description, (o.row).description) END AS description,
                coalesce(@Status, (o.row).status) AS status,
                coalesce(@Priority, (o.row).priority) AS priority,
                CASE WHEN @ClearAssignee THEN NULL ELSE coalesce(@AssignedUserId, (o.row).assigned_user_id) END AS assigned_user_id,
                CASE WHEN @ClearDueDate THEN NULL ELSE coalesce(@DueDate, (o.row).due_date) END AS due_date,
                coalesce(@Done, (o.row).done) AS done,
                coalesce(@ProjectId, (o.row).project_id) AS project_id) n
        ), changed AS (
            UPDATE tasks t SET
                task_name = n.task_name, description = n.description, status = n.status, priority = n.priority,
                assigned_user_id = n.assigned_user_id, due_date = n.due_date, done = n.done, project_id = n.project_id,
                updated_at = CASE WHEN n.differs THEN now() ELSE t.updated_at END,
                version = t.version + CASE WHEN n.differs THEN 1 ELSE 0 END
            FROM old, next n
            WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}
              AND {ProjectAccess.TaskChangeable} AND {ProjectAccess.TaskProjectOpen}
              AND (@ProjectId::bigint IS NULL OR @ProjectId = (old.row).project_id OR {ProjectAccess.ProjectIdTakesTasks})
              AND (@ExpectedVersions::int[] IS NULL OR t.version = ANY(@ExpectedVersions))
              AND (@AssignedUserId::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = @AssignedUserId))
            RETURNING t.*, t AS new_row, old.row AS old_row,
                CASE WHEN (old.row).status AND NOT t.status THEN 'deleted'
                     WHEN NOT (old.row).status AND t.status THEN 'restored'
                     ELSE 'updated' END AS action
        ), {TaskSql.LogTodayCte}, {TaskSql.OutboxEventCte}
        SELECT {TaskSql.ResponseColumns}
        FROM changed t LEFT JOIN users u ON u.id = t.assigned_user_id
        """;

    // Only read when the update changed nothing, to say which condition failed.
    private const string WhyNotSql = $"""
        SELECT {ProjectAccess.TaskChangeable} AS may_change, NOT {ProjectAccess.TaskProjectOpen} AS archived, t.version,
               (@AssignedUserId::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = @AssignedUserId)) AS assignee_exists,
               (@ProjectId::bigint IS NULL OR @ProjectId = t.project_id OR {ProjectAccess.ProjectIdTakesTasks}) AS target_takes_it
        FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<Outcome<TaskRow>> Handle(UpdateTaskCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var task = await connection.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(Sql, command, cancellationToken: ct));
        if (task is not null)
        {
            await connection.CloseAsync(); // back to the pool before the cache bump, which waits on Redis
            await cache.InvalidateAsync();
            return task;
        }

        var why = await connection.QuerySingleOrDefaultAsync<WhyNot>(new CommandDefinition(WhyNotSql, command, cancellationToken: ct));
        if (why is { MayChange: true, Archived: false, AssigneeExists: true, TargetTakesIt: false })
        {
            var target = await connection.QuerySingleAsync<TargetCheck>(new CommandDefinition(ProjectAccess.TargetCheckSql, command, cancellationToken: ct));
            return target.Refusal<TaskRow>(command.ProjectId!.Value);
        }
        return why switch
        {
            null => Outcome<TaskRow>.NotFound($"Task {command.TaskId} does not exist."),
            { MayChange: false } => Outcome<TaskRow>.Forbidden(TaskProblems.MayNotChange),
            { Archived: true } => Outcome<TaskRow>.Conflict(TaskProblems.Archived),
            { AssigneeExists: false } => Outcome<TaskRow>.Invalid("assigned_user_id", $"No user has id {command.AssignedUserId}."),
            _ => Outcome<TaskRow>.PreconditionFailed(
                $"The task has changed since you read it (its ETag is now {VersionETag.For(why.Version)}). Read it again and retry."),
        };
    }

    private sealed record WhyNot(bool MayChange, bool Archived, int Version, bool AssigneeExists, bool TargetTakesIt);
}

public static class UpdateTaskEndpoint
{
    public static RouteHandlerBuilder MapUpdateTask(this IEndpointRouteBuilder app) => app
        .MapPut("/{id:long}", HandleAsync)
        .WithName("UpdateTask")
        .WithSummary("Update a task")
        .WithDescription("Change some of a task's fields; the id is a task's. Send If-Match with the task's ETag to avoid overwriting a newer change.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ETag)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<TaskResponse>, Problem>> HandleAsync(
        [FromRoute(Name = "id"), Description("The id of a task.")] long taskId, UpdateTaskRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new UpdateTaskCommand(taskId, user.UserId(), user.IsPrivileged(), VersionETag.ExpectedVersions(ifMatch),
            request.TaskName?.Trim(), request.Description, request.Status, TaskRules.NormalizePriority(request.Priority), request.AssignedUserId)
        {
            CallerIsAdmin = user.IsInRole(Roles.Admin),
        }, ct);
        return outcome.ToResult(task =>
        {
            http.Response.Headers.ETag = VersionETag.For(task.Version);
            return TypedResults.Ok(TaskResponse.From(task, "Task updated successfully"));
        });
    }
}
