using System.Globalization;
using System.Text.Json;
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
        var (body, problem) = await MergePatchBody.ReadAsync(request, ct);
        if (body is null)
        {
            return problem!;
        }
        using (body)
        {
            var patch = MergePatch.Read(body.RootElement);
            if (patch.Error is { } error)
            {
                return Problem.Invalid(patch.Field!, error);
            }
            var command = patch.ToCommand(id, user.UserId(), user.IsPrivileged(), VersionETag.ExpectedVersions(ifMatch)) with
            {
                CallerIsAdmin = user.IsInRole(Roles.Admin),
            };
            var outcome = await mediator.Send(command, ct);
            return outcome.ToResult(task => Ok(task, request.HttpContext));
        }
    }

    private static Ok<TaskResource> Ok(TaskRow task, HttpContext http)
    {
        http.Response.Headers.ETag = VersionETag.For(task.Version);
        return TypedResults.Ok(TaskResource.From(task));
    }
}

/// <summary>A merge patch read field by field: each known key with its type checked, unknown keys ignored.</summary>
public sealed record MergePatch(string? TaskName, string? Description, bool ClearDescription, string? Priority, bool? Done,
    DateOnly? DueDate, bool ClearDueDate, long? AssignedUserId, bool ClearAssignee, long? ProjectId = null, string? Field = null, string? Error = null)
{
    public string[]? Labels { get; init; }
    public long? ParentId { get; init; }
    public bool ClearParent { get; init; }
    public long[]? BlockedBy { get; init; }

    public UpdateTaskCommand ToCommand(long taskId, long userId, bool privileged, int[]? expectedVersions) =>
        new(taskId, userId, privileged, expectedVersions, TaskName, Description, null, Priority, AssignedUserId,
            DueDate, Done, ClearDescription, ClearDueDate, ClearAssignee)
        { ProjectId = ProjectId, Labels = Labels, ParentId = ParentId, ClearParent = ClearParent, BlockedBy = BlockedBy };

    public static MergePatch Read(JsonElement body)
    {
        string? name = null, description = null, priority = null;
        bool? done = null;
        DateOnly? due = null;
        long? assignee = null, project = null, parent = null;
        bool clearDescription = false, clearDue = false, clearAssignee = false, clearParent = false;
        string[]? labels = null;
        long[]? blockedBy = null;
        var current = "body";
        try
        {
            foreach (var field in body.EnumerateObject())
            {
                var value = field.Value;
                var isNull = value.ValueKind == JsonValueKind.Null;
                current = field.Name;
                switch (current)
                {
                    case "task_name" when value.ValueKind == JsonValueKind.String && value.GetString()!.Trim() is var trimmed
                                          && TaskRules.IsName(trimmed) && !trimmed.Contains('\0'):
                        name = trimmed; break;
                    case "task_name": return Invalid("task_name", TaskRules.NameMessage);
                    case "description" when isNull: clearDescription = true; break;
                    case "description" when value.ValueKind == JsonValueKind.String && TaskRules.IsDescription(value.GetString())
                                            && !value.GetString()!.Contains('\0'):
                        description = value.GetString(); break;
                    case "description": return Invalid("description", TaskRules.DescriptionMessage[..^1] + ", or null.");
                    case "priority" when value.ValueKind == JsonValueKind.String && TaskRules.IsPriority(value.GetString()):
                        priority = TaskRules.NormalizePriority(value.GetString()); break;
                    case "priority": return Invalid("priority", "priority must be one of LOW, MEDIUM, HIGH, CRITICAL.");
                    case "done" when value.ValueKind is JsonValueKind.True or JsonValueKind.False: done = value.GetBoolean(); break;
                    case "done": return Invalid("done", "done must be true or false.");
                    case "due_date" when isNull: clearDue = true; break;
                    case "due_date" when value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd",
                                             CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                        due = date; break;
                    case "due_date": return Invalid("due_date", "due_date must be a date (YYYY-MM-DD) or null.");
                    case "assigned_user_id" when isNull: clearAssignee = true; break;
                    case "assigned_user_id" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var userId) && userId > 0:
                        assignee = userId; break;
                    case "assigned_user_id": return Invalid("assigned_user_id", "assigned_user_id must be a user id or null.");
                    case "project_id" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var projectId) && projectId > 0:
                        project = projectId; break;
                    case "project_id": return Invalid("project_id", "project_id must be a project id (a task is always in one).");
                    case "labels" when isNull: labels = []; break;
                    case "labels" when value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String):
                        var names = value.EnumerateArray().Select(v => v.GetString()).ToArray();
                        if (TaskManager.Features.Labels.LabelRules.NamesError(names) is { } labelError)
                        {
                            return Invalid("labels", labelError);
                        }
                        labels = TaskManager.Features.Labels.LabelRules.Normalize(names); break;
                    case "labels": return Invalid("labels", "labels must be a list of label names, or null.");
                    case "parent_id" when isNull: clearParent = true; break;
                    case "parent_id" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var parentId) && parentId > 0:
                        parent = parentId; break;
                    case "parent_id": return Invalid("parent_id", "parent_id must be a task id, or null for a top-level task.");
                    case "blocked_by" when isNull: blockedBy = []; break;
                    case "blocked_by" when value.ValueKind == JsonValueKind.Array
                                           && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _)):
                        blockedBy = [.. value.EnumerateArray().Select(v => v.GetInt64())];
                        if (TaskRules.BlockedByError(blockedBy) is { } blockedError)
                        {
                            return Invalid("blocked_by", blockedError);
                        }
                        break;
                    case "blocked_by": return Invalid("blocked_by", "blocked_by must be a list of task ids, or null.");
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The parser checks only that a \u escape has four hex digits: a lone surrogate fails once the text is read.
            return Invalid(current, $"{current} holds a \\u escape that is not a whole character (a lone surrogate).");
        }
        return new MergePatch(name, description, clearDescription, priority, done, due, clearDue, assignee, clearAssignee, project)
        {
            Labels = labels,
            ParentId = parent,
            ClearParent = clearParent,
            BlockedBy = blockedBy,
        };
    }

    private static MergePatch Invalid(string field, string error) => new(null, null, false, null, null, null, false, null, false, null, field, error);
}
