using System.Text.Json;
using TaskManager.Features.Labels;

namespace TaskManager.Features.Tasks.CreateTask;

/// <summary>A new task (v2), in `project_id` (default: the default project). Fields other than these are ignored.</summary>
[RequestBody("task_name", "priority")]
public sealed record CreateTaskV2Request(string? TaskName, string? Description, string? Priority, bool? Done, DateOnly? DueDate, long? AssignedUserId,
    long? ProjectId = null, string[]? Labels = null, long? ParentId = null, long[]? BlockedBy = null);

public sealed class CreateTaskV2Validator : AbstractValidator<CreateTaskV2Request>
{
    public CreateTaskV2Validator()
    {
        RuleFor(r => r.TaskName).ValidTaskName();
        RuleFor(r => r.Description).ValidDescription();
        RuleFor(r => r.Priority).NotEmpty().WithMessage("priority is required.").ValidPriority();
        RuleFor(r => r.AssignedUserId).ValidAssignee();
        RuleFor(r => r.ProjectId).ValidProjectId();
        RuleFor(r => r.Labels).ValidLabels();
        RuleFor(r => r.ParentId).ValidParentId();
        RuleFor(r => r.BlockedBy).ValidBlockedBy();
    }
}

/// <summary>POST /api/v2/tasks: the same handler as v1's POST /api/task, answered as a v2 resource; an
/// Idempotency-Key makes a retry answer the first response again and create nothing.</summary>
public static class CreateTaskV2Endpoint
{
    public static RouteHandlerBuilder MapCreateTaskV2(this IEndpointRouteBuilder app) => app
        .MapPost("/", HandleAsync)
        .WithName("CreateTaskV2")
        .WithSummary("Create a task")
        .WithDescription("Creates a task; the assignee defaults to the caller. With an Idempotency-Key, a retry with the same body " +
                         "answers the first response again (Idempotent-Replayed: true) and creates nothing; a different body is 422. project_id " +
                         "(default: the default project) must be one the caller may create in: 400 when it cannot be read, 403 when the " +
                         "caller is not its editor or owner, 409 when it is archived. labels (names; one the project lacks is created there), " +
                         "parent_id and blocked_by must name tasks of the same project, with no cycle and at most 5 levels of subtasks.")
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.ETag)
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.IdempotentReplayed)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<Results<Created<TaskResource>, ContentHttpResult, Problem>> HandleAsync(CreateTaskV2Request request,
        [AsParameters] IdempotencyKeyHeader idempotency, ClaimsPrincipal user, IMediator mediator, IdempotencyKeys keys,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        var caller = user.UserId();
        var idempotencyKey = idempotency.Key;
        if (idempotencyKey is not null)
        {
            var claim = await keys.ClaimAsync(caller, idempotencyKey, IdempotencyKeys.Hash(JsonSerializer.Serialize(request, json.Value.SerializerOptions)), ct);
            if (claim.Refusal is { } refusal)
            {
                return refusal;
            }
            if (claim.Replay is { } replay)
            {
                return IdempotencyKeys.Answer(http.Response, replay);
            }
        }

        Outcome<TaskRow> outcome;
        try
        {
            outcome = await mediator.Send(new CreateTaskCommand(caller, request.TaskName!.Trim(), request.Description, true,
                TaskRules.NormalizePriority(request.Priority)!, request.AssignedUserId ?? caller, request.DueDate, request.Done ?? false)
            {
                ProjectId = request.ProjectId ?? ProjectRules.DefaultProjectId,
                CallerIsAdmin = user.IsInRole(Roles.Admin),
                Labels = request.Labels is null ? null : LabelRules.Normalize(request.Labels),
                ParentId = request.ParentId,
                BlockedBy = request.BlockedBy,
            }, ct);
        }
        catch when (idempotencyKey is not null)
        {
            // Nothing was created (the create is one statement): a retry with this key may try again at once.
            await keys.ReleaseAsync(caller, idempotencyKey);
            throw;
        }
        if (!outcome.IsOk)
        {
            if (idempotencyKey is not null)
            {
                await keys.ReleaseAsync(caller, idempotencyKey);
            }
            return Problem.From(outcome);
        }
        var task = TaskResource.From(outcome.Value!);
        var location = $"/api/v2/tasks/{task.Id}";
        var etag = VersionETag.For(task.Version);
        if (idempotencyKey is not null)
        {
            var body = JsonSerializer.Serialize(task, json.Value.SerializerOptions);
            await keys.CompleteAsync(caller, idempotencyKey, new IdempotencyKeys.Stored(StatusCodes.Status201Created, body, location, etag));
        }
        http.Response.Headers.ETag = etag;
        return TypedResults.Created(location, task);
    }
}
