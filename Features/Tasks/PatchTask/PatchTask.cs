using System.Globalization;
using System.Text.Json;
using TaskManager.Features.Labels;
using TaskManager.Features.Tasks.UpdateTask;

namespace TaskManager.Features.Tasks.PatchTask;

/// <summary>The fields a merge patch may carry (for the document; the body is read as RFC 7396 JSON Merge Patch).
/// A present key changes its field; null clears description, due_date or assigned_user_id.</summary>
[RequestBody(NeverNull = ["task_name", "done"])]
public sealed record TaskPatch(string? TaskName, string? Description, string? Priority, bool? Done, DateOnly? DueDate, long? AssignedUserId,
    long? ProjectId = null, string[]? Labels = null, long? ParentId = null, long[]? BlockedBy = null);

/// <summary>PATCH /api/v2/tasks/{id}: the same handler as v1's PUT, with merge-patch meaning (null clears).</summary>
public static class PatchTaskEndpoint
{
    public static RouteHandlerBuilder MapPatchTask(this IEndpointRouteBuilder app) => app
        .MapPatch("/{id}", HandleAsync)
        .WithName("PatchTask")
        .WithSummary("Change a task")
        .WithDescription("JSON Merge Patch (RFC 7396): a present key changes its field, null clears description, due_date or " +
                         "assigned_user_id; done: true sets completed_at; project_id moves the task (the caller must be able to change it and create " +
                         "in the target). labels and blocked_by replace their sets (null empties them); parent_id null makes the task top-level; " +
                         "parent and blockers must be tasks of the same project, with no cycle and at most 5 levels of subtasks. Send If-Match with the task's ETag to avoid overwriting a newer change. A task of an archived project is 409.")
        .AcceptsMergePatch<TaskPatch>();

    private static async Task<Results<Ok<TaskResource>, Problem>> HandleAsync(long id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpRequest request,
        ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var (patch, problem) = await MergePatchBody.ReadAsync(request, PatchTaskRequest.Read, ct);
        if (patch is null)
        {
            return problem!;
        }
        var command = patch.ToCommand(id, user.UserId(), user.IsPrivileged(), VersionETag.ExpectedVersions(ifMatch)) with
        {
            CallerIsAdmin = user.IsInRole(Roles.Admin),
        };
        var outcome = await mediator.Send(command, ct);
        return outcome.ToResult(task => Ok(task, request.HttpContext));
    }

    private static Ok<TaskResource> Ok(TaskRow task, HttpContext http)
    {
        http.Response.Headers.ETag = VersionETag.For(task.Version);
        return TypedResults.Ok(TaskResource.From(task));
    }
}

/// <summary>A merge patch as read: each known key with its JSON type checked (unknown keys ignored), a Clear flag for
/// each null that empties a field. Its values are checked by <see cref="PatchTaskValidator"/>.</summary>
public sealed record PatchTaskRequest
{
    public string? TaskName { get; init; }
    public string? Description { get; init; }
    public bool ClearDescription { get; init; }
    public string? Priority { get; init; }
    public bool? Done { get; init; }
    public DateOnly? DueDate { get; init; }
    public bool ClearDueDate { get; init; }
    public long? AssignedUserId { get; init; }
    public bool ClearAssignee { get; init; }
    public long? ProjectId { get; init; }
    public string[]? Labels { get; init; }
    public long? ParentId { get; init; }
    public bool ClearParent { get; init; }
    public long[]? BlockedBy { get; init; }

    public UpdateTaskCommand ToCommand(long taskId, long userId, bool privileged, int[]? expectedVersions) =>
        new(taskId, userId, privileged, expectedVersions, TaskName?.Trim(), Description, null, TaskRules.NormalizePriority(Priority),
            AssignedUserId, DueDate, Done, ClearDescription, ClearDueDate, ClearAssignee)
        {
            ProjectId = ProjectId,
            Labels = Labels is null ? null : LabelRules.Normalize(Labels),
            ParentId = ParentId,
            ClearParent = ClearParent,
            BlockedBy = BlockedBy,
        };

    public static PatchRead<PatchTaskRequest> Read(JsonElement body)
    {
        var patch = new PatchTaskRequest();
        var invalid = MergePatchBody.ReadKeys(body, (key, value) =>
        {
            var kind = value.ValueKind;
            switch (key)
            {
                case "task_name" when kind == JsonValueKind.String: patch = patch with { TaskName = value.GetString() }; break;
                case "task_name": return Problem.Invalid(key, TaskRules.NameMessage);
                case "description" when kind == JsonValueKind.Null: patch = patch with { ClearDescription = true }; break;
                case "description" when kind == JsonValueKind.String: patch = patch with { Description = value.GetString() }; break;
                case "description": return Problem.Invalid(key, TaskRules.DescriptionOrNullMessage);
                case "priority" when kind == JsonValueKind.String: patch = patch with { Priority = value.GetString() }; break;
                case "priority": return Problem.Invalid(key, TaskRules.PriorityMessage);
                case "done" when kind is JsonValueKind.True or JsonValueKind.False: patch = patch with { Done = value.GetBoolean() }; break;
                case "done": return Problem.Invalid(key, "done must be true or false.");
                case "due_date" when kind == JsonValueKind.Null: patch = patch with { ClearDueDate = true }; break;
                case "due_date" when kind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd",
                                         CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                    patch = patch with { DueDate = date }; break;
                case "due_date": return Problem.Invalid(key, "due_date must be a date (YYYY-MM-DD) or null.");
                case "assigned_user_id" when kind == JsonValueKind.Null: patch = patch with { ClearAssignee = true }; break;
                case "assigned_user_id" when value.TryGetId(out var userId): patch = patch with { AssignedUserId = userId }; break;
                case "assigned_user_id": return Problem.Invalid(key, PatchTaskValidator.AssigneeError);
                case "project_id" when value.TryGetId(out var projectId): patch = patch with { ProjectId = projectId }; break;
                case "project_id": return Problem.Invalid(key, PatchTaskValidator.ProjectIdError);
                case "labels" when kind == JsonValueKind.Null: patch = patch with { Labels = [] }; break;
                case "labels" when kind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String):
                    patch = patch with { Labels = [.. value.EnumerateArray().Select(v => v.GetString()!)] }; break;
                case "labels": return Problem.Invalid(key, "labels must be a list of label names, or null.");
                case "parent_id" when kind == JsonValueKind.Null: patch = patch with { ClearParent = true }; break;
                case "parent_id" when value.TryGetId(out var parentId): patch = patch with { ParentId = parentId }; break;
                case "parent_id": return Problem.Invalid(key, PatchTaskValidator.ParentError);
                case "blocked_by" when kind == JsonValueKind.Null: patch = patch with { BlockedBy = [] }; break;
                case "blocked_by" when kind == JsonValueKind.Array && value.EnumerateArray().All(v => v.TryGetId(out _)):
                    patch = patch with { BlockedBy = [.. value.EnumerateArray().Select(v => v.GetInt64())] }; break;
                case "blocked_by": return Problem.Invalid(key, "blocked_by must be a list of task ids, or null.");
            }
            return null;
        });
        return invalid is null ? patch : invalid;
    }
}

/// <summary>The same rules as the create's (TaskRules), with the merge patch's messages where null may clear a field.</summary>
public sealed class PatchTaskValidator : AbstractValidator<PatchTaskRequest>
{
    public const string AssigneeError = "assigned_user_id must be a user id or null.";
    public const string ProjectIdError = "project_id must be a project id (a task is always in one).";
    public const string ParentError = "parent_id must be a task id, or null for a top-level task.";

    public PatchTaskValidator()
    {
        RuleFor(p => p.TaskName).ValidTaskName().When(p => p.TaskName is not null);
        RuleFor(p => p.Description).ValidDescription().WithMessage(TaskRules.DescriptionOrNullMessage);
        RuleFor(p => p.Priority).ValidPriority().When(p => p.Priority is not null);
        RuleFor(p => p.AssignedUserId).ValidAssignee().WithMessage(AssigneeError);
        RuleFor(p => p.ProjectId).ValidProjectId().WithMessage(ProjectIdError);
        RuleFor(p => p.Labels).ValidLabels();
        RuleFor(p => p.ParentId).ValidParentId().WithMessage(ParentError);
        RuleFor(p => p.BlockedBy).ValidBlockedBy();
    }
}
