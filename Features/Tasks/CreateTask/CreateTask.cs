using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Tasks.CreateTask;

/// <summary>A new task. Fields other than these (id, created_by, created_at, ...) are ignored.</summary>
[RequestBody("task_name", "priority", Example = """{"task_name":"Write the release notes","description":"Cover the import changes.","status":false,"priority":"HIGH","assigned_user_id":2}""")]
public sealed record CreateTaskRequest(string? TaskName, string? Description, bool? Status, string? Priority, long? AssignedUserId);

public sealed class CreateTaskValidator : AbstractValidator<CreateTaskRequest>
{
    public CreateTaskValidator()
    {
        RuleFor(r => r.TaskName).ValidTaskName();
        RuleFor(r => r.Description).ValidDescription();
        RuleFor(r => r.Priority).NotEmpty().WithMessage("priority is required.").ValidPriority();
        RuleFor(r => r.AssignedUserId).ValidAssignee();
    }
}

/// <summary>A new task, from either interface: v1's always in the default project, v2's in `ProjectId`.</summary>
public sealed record CreateTaskCommand(long UserId, string TaskName, string? Description, bool Status, string Priority, long AssignedUserId,
    DateOnly? DueDate = null, bool Done = false) : ICommand<Outcome<TaskRow>>
{
    public long ProjectId { get; init; } = ProjectRules.DefaultProjectId;

    public bool CallerIsAdmin { get; init; }

    public long CallerId => UserId;

    /// <summary>v2's labels (by name: a name the project lacks is created there), parent and blockers.</summary>
    public string[]? Labels { get; init; }
    public long? ParentId { get; init; }
    public long[]? BlockedBy { get; init; }

    public bool HasStructure => Labels is { Length: > 0 } || ParentId is not null || BlockedBy is { Length: > 0 };
}

public sealed class CreateTaskHandler(DbSession db, TaskReadCache cache) : ICommandHandler<CreateTaskCommand, Outcome<TaskRow>>
{
    // One statement: the task, today's log row and the audit event are written together or not at all.
    // The assignee must exist and the project take the caller's task; if not, nothing is inserted and the caller hears why.
    private static readonly string Sql = $"""
        WITH changed AS (
            INSERT INTO tasks (task_name, description, status, priority, assigned_user_id, created_by, due_date, done, project_id,
                               parent_id, blocked_by, label_ids, label_keys)
            SELECT @TaskName, @Description, @Status, @Priority, @AssignedUserId, @UserId, @DueDate, @Done, @ProjectId,
                   @ParentId, {TaskSql.BlockedBySet}, {TaskSql.LabelIds("@ProjectId")}, {TaskSql.LabelKeys(TaskSql.LabelIds("@ProjectId"))}
            WHERE EXISTS (SELECT 1 FROM users WHERE id = @AssignedUserId) AND {ProjectAccess.ProjectIdTakesTasks}
            RETURNING *, tasks AS new_row, NULL::tasks AS old_row, 'created'::text AS action
        ), {TaskSql.LogTodayCte}, {TaskSql.OutboxEventCte}
        SELECT {TaskSql.ResponseColumns}
        FROM changed t LEFT JOIN users u ON u.id = t.assigned_user_id
        """;

    public async ValueTask<Outcome<TaskRow>> Handle(CreateTaskCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        await using var work = command.HasStructure ? await lease.BeginTransactionAsync(ct) : null;
        var tx = work?.Transaction;
        if (tx is not null &&
            await TaskStructure.PrepareAsync<TaskRow>(connection, tx, command.ProjectId, command.Labels, command.UserId, command.CallerIsAdmin, ct) is { } refused)
        {
            return refused;
        }
        var task = await connection.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(Sql, command, tx, cancellationToken: ct));
        if (task is null)
        {
            var target = await connection.QuerySingleAsync<TargetCheck>(new CommandDefinition(ProjectAccess.TargetCheckSql, command, tx, cancellationToken: ct));
            return target is { Readable: true, Creatable: true, Archived: false }
                ? Outcome<TaskRow>.Invalid("assigned_user_id", $"No user has id {command.AssignedUserId}.")
                : target.Refusal<TaskRow>(command.ProjectId);
        }
        if (tx is not null)
        {
            if (await TaskStructure.CheckAsync<TaskRow>(connection, tx, task.Id, command.ParentId is not null, command.BlockedBy is not null, false, ct) is { } invalid)
            {
                return invalid; // rolled back as the transaction is disposed
            }
            await work!.CommitAsync(ct);
        }
        await lease.AfterCommitAsync(cache.InvalidateAsync); // back to the pool before the cache bump, which waits on Redis
        return task;
    }
}

public static class CreateTaskEndpoint
{
    public static RouteHandlerBuilder MapCreateTask(this IEndpointRouteBuilder app) => app
        .MapPost("/", HandleAsync)
        .WithName("CreateTask")
        .WithSummary("Create a task")
        .WithDescription("Create a task; the assignee defaults to the caller.")
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.ETag)
        .ProducesValidationProblem();

    private static async Task<Results<Created<TaskResponse>, Problem>> HandleAsync(
        CreateTaskRequest request, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = user.UserId();
        var outcome = await mediator.Send(new CreateTaskCommand(caller, request.TaskName!.Trim(), request.Description,
            request.Status ?? true, TaskRules.NormalizePriority(request.Priority)!, request.AssignedUserId ?? caller), ct);
        return outcome.ToResult(task =>
        {
            http.Response.Headers.ETag = VersionETag.For(task.Version);
            return TypedResults.Created($"/api/task/{task.Id}", TaskResponse.From(task, "Task created successfully"));
        });
    }
}
