using System.ComponentModel;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Tasks.UpdateTask;

/// <summary>Any subset of the task's fields; absent or null ones are left as they are. Setting `status`
/// to true restores a deleted task.</summary>
[RequestBody(Example = """{"status":true,"priority":"LOW"}""")]
public sealed record UpdateTaskRequest(string? TaskName, string? Description, bool? Status, string? Priority, long? AssignedUserId);

public sealed class UpdateTaskValidator : AbstractValidator<UpdateTaskRequest>
{
    public UpdateTaskValidator()
    {
        RuleFor(r => r.TaskName).ValidTaskName().When(r => r.TaskName is not null);
        RuleFor(r => r.Description).ValidDescription();
        RuleFor(r => r.Priority).ValidPriority().When(r => r.Priority is not null);
        RuleFor(r => r.AssignedUserId).ValidAssignee();
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

    /// <summary>Replaces the task's labels (v2), by name: a name its project lacks is created there.</summary>
    public string[]? Labels { get; init; }

    /// <summary>Makes the task a subtask of this task (v2); ClearParent makes it top-level.</summary>
    public long? ParentId { get; init; }
    public bool ClearParent { get; init; }

    /// <summary>Replaces the tasks this one is blocked by (v2).</summary>
    public long[]? BlockedBy { get; init; }

    /// <summary>Whether the write touches labels, parent or blockers, or moves the task: it then takes the project's structure
    /// lock and checks the links it leaves (TaskStructure).</summary>
    public bool ChangesStructure => Labels is not null || ParentId is not null || ClearParent || BlockedBy is not null || ProjectId is not null;
}

public sealed class UpdateTaskHandler(DbSession db, TaskReadCache cache) : ICommandHandler<UpdateTaskCommand, Outcome<TaskRow>>
{
    // The caller's right to change the task, the expected version and the assignee's existence are all
    // conditions of the UPDATE itself, so nothing is changed unless every one holds.
    // A change of status (v1's PUT status, a restore) carries to the subtree; any other change skips those CTEs.
    private static readonly string Sql = Statement(cascades: true), PlainSql = Statement(cascades: false);

    private static string Statement(bool cascades) => $"""
        WITH RECURSIVE old AS (
            SELECT t AS row FROM tasks t WHERE t.id = @TaskId FOR UPDATE
        ), next AS (
            SELECT n.*, (n.task_name, n.description, n.status, n.priority, n.assigned_user_id, n.due_date, n.done, n.project_id,
                         n.parent_id, n.blocked_by, n.label_ids)
                   IS DISTINCT FROM ((o.row).task_name, (o.row).description, (o.row).status, (o.row).priority,
                                     (o.row).assigned_user_id, (o.row).due_date, (o.row).done, (o.row).project_id,
                                     (o.row).parent_id, (o.row).blocked_by, (o.row).label_ids) AS differs
            FROM old o, LATERAL (SELECT
                coalesce(@TaskName, (o.row).task_name) AS task_name,
                CASE WHEN @ClearDescription THEN NULL ELSE coalesce(@Description, (o.row).description) END AS description,
                coalesce(@Status, (o.row).status) AS status,
                coalesce(@Priority, (o.row).priority) AS priority,
                CASE WHEN @ClearAssignee THEN NULL ELSE coalesce(@AssignedUserId, (o.row).assigned_user_id) END AS assigned_user_id,
                CASE WHEN @ClearDueDate THEN NULL ELSE coalesce(@DueDate, (o.row).due_date) END AS due_date,
                coalesce(@Done, (o.row).done) AS done,
                coalesce(@ProjectId, (o.row).project_id) AS project_id,
                CASE WHEN @ClearParent THEN NULL ELSE coalesce(@ParentId, (o.row).parent_id) END AS parent_id,
                CASE WHEN @BlockedBy::bigint[] IS NULL THEN (o.row).blocked_by ELSE {TaskSql.BlockedBySet} END AS blocked_by,
                CASE WHEN @Labels::text[] IS NOT NULL THEN {TaskSql.LabelIds("coalesce(@ProjectId, (o.row).project_id)")}
                     WHEN coalesce(@ProjectId, (o.row).project_id) = (o.row).project_id THEN (o.row).label_ids
                     -- A moved task keeps its labels by name, in its new project.
                     ELSE ARRAY(SELECT l2.id FROM labels l1 JOIN labels l2 ON l2.project_id = @ProjectId AND lower(l2.name) = lower(l1.name)
                                WHERE l1.id = ANY((o.row).label_ids) ORDER BY l2.id) END AS label_ids) n
        ), root AS (
            UPDATE tasks t SET
                task_name = n.task_name, description = n.description, status = n.status, priority = n.priority,
                assigned_user_id = n.assigned_user_id, due_date = n.due_date, done = n.done, project_id = n.project_id,
                parent_id = n.parent_id, blocked_by = n.blocked_by, label_ids = n.label_ids, label_keys = {TaskSql.LabelKeys("n.label_ids")},
                deleted_with = CASE WHEN n.status THEN NULL ELSE t.deleted_with END,
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
        ), {(cascades ? $"{TaskSql.SubtreeCte}, {TaskSql.CascadeCte}" : "changed AS (SELECT * FROM root)")}, {TaskSql.LogTodayCte}, {TaskSql.OutboxEventCte}
        SELECT {TaskSql.ResponseColumns}
        FROM changed t LEFT JOIN users u ON u.id = t.assigned_user_id
        WHERE t.id = @TaskId
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
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        await using var work = command.ChangesStructure ? await lease.BeginTransactionAsync(ct) : null;
        var tx = work?.Transaction;
        var before = tx is null ? null
            : await connection.QuerySingleOrDefaultAsync<Before>(new CommandDefinition(BeforeSql, command, tx, cancellationToken: ct));
        if (tx is not null && before is not null)
        {
            var project = command.ProjectId ?? before.ProjectId;
            var labels = command.Labels ?? (project != before.ProjectId ? before.Labels : null);
            if (await TaskStructure.PrepareAsync<TaskRow>(connection, tx, project, labels, command.UserId, command.CallerIsAdmin, ct) is { } refused)
            {
                return refused;
            }
        }
        var task = await connection.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(command.Status is null ? PlainSql : Sql, command, tx, cancellationToken: ct));
        if (task is not null)
        {
            if (tx is not null)
            {
                if (await TaskStructure.CheckAsync<TaskRow>(connection, tx, task.Id, command.ParentId is not null || command.ClearParent,
                        command.BlockedBy is not null, task.ProjectId != before!.ProjectId, ct) is { } invalid)
                {
                    return invalid; // rolled back as the transaction is disposed
                }
                await work!.CommitAsync(ct);
            }
            await lease.AfterCommitAsync(cache.InvalidateAsync); // back to the pool before the cache bump, which waits on Redis
            return task;
        }

        var why = await connection.QuerySingleOrDefaultAsync<WhyNot>(new CommandDefinition(WhyNotSql, command, tx, cancellationToken: ct));
        if (why is { MayChange: true, Archived: false, AssigneeExists: true, TargetTakesIt: false })
        {
            var target = await connection.QuerySingleAsync<TargetCheck>(new CommandDefinition(ProjectAccess.TargetCheckSql, command, tx, cancellationToken: ct));
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

    // The project a structure write locks, and the label names a moved task takes with it.
    private const string BeforeSql = $"""
        SELECT t.project_id, ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids)) AS labels
        FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}
        """;

    private sealed class Before
    {
        public long ProjectId { get; init; }
        public string[] Labels { get; init; } = [];
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
