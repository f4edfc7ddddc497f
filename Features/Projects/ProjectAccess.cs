namespace TaskManager.Features.Projects;

/// <summary>Who may read and manage what, decided here once as SQL that every statement embeds; no slice writes a check
/// of its own. Every statement that embeds these takes the caller as @CallerId and @CallerIsAdmin (see
/// <see cref="Caller"/>). A project the caller may not read does not exist for it: its id answers 404.</summary>
public static class ProjectAccess
{
    /// <summary>Project `p` is readable: public, the caller is a member, or the caller is an admin.</summary>
    public const string Readable = """
        (p.visibility = 'public' OR @CallerIsAdmin
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = @CallerId))
        """;

    /// <summary>The ids of every project the caller may read: `t.project_id IN {ReadableIds}`.</summary>
    public const string ReadableIds = $"(SELECT p.id FROM projects p WHERE {Readable})";

    /// <summary>Task `t` is in a project the caller may read: for reads and writes of one task by its id. Lists leave out
    /// the caller's hidden projects instead (<see cref="ProjectScope"/>), the same rule computed once per caller.</summary>
    public const string TaskReadable = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND {Readable})";

    /// <summary>The task @TaskId is not one the caller may not read: it is readable, or it no longer exists (its audit
    /// trail outlives it, each entry readable as the project it was recorded in is: <see cref="EntryReadable"/>).</summary>
    public const string TaskIdNotHidden = $"NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = @TaskId AND NOT {TaskReadable})";

    /// <summary>Audit entry `a` was recorded in a project the caller may read.</summary>
    public const string EntryReadable = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = a.project_id AND {Readable})";

    /// <summary>Project `p` is readable by the user in column <paramref name="user"/> (a webhook's creator, when its
    /// delivery is made): the same rule as <see cref="Readable"/>, for a user who is not the caller.</summary>
    public static string ReadableBy(string user) => $"""
        (p.visibility = 'public'
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = {user})
         OR {IsAdmin(user)})
        """;

    /// <summary>Project `p` takes new tasks from the user in column <paramref name="user"/> (who a message-driven import
    /// runs as): <see cref="Creatable"/> and not archived, for a user who is not the caller.</summary>
    public static string TakesTasksFrom(string user) => $"""
        (p.archived_at IS NULL
         AND (p.visibility = 'public' OR {IsAdmin(user)}
              OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = {user} AND pm.role IN ('owner', 'editor'))))
        """;

    /// <summary>The user in column <paramref name="user"/> holds the admin role.</summary>
    public static string IsAdmin(string user) =>
        $"EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = {user} AND r.name = 'admin')";

    /// <summary>Project `p` takes new tasks from the caller: it is public, or the caller edits or owns it, or is an admin.
    /// Whether it is archived is asked apart (a 409, not a 403).</summary>
    public const string Creatable = """
        (p.visibility = 'public' OR @CallerIsAdmin
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = @CallerId AND pm.role IN ('owner', 'editor')))
        """;

    /// <summary>Task `t` may be changed or deleted by the caller: in a public project by v1's rule (its creator, its
    /// assignee, a manager or an admin: @Privileged) or by the project's editors and owners; in a private one only by its
    /// editors and owners, and admins. Whether its project is archived is asked apart (<see cref="TaskProjectOpen"/>).</summary>
    public const string TaskChangeable = """
        (@CallerIsAdmin
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = t.project_id AND pm.user_id = @CallerId AND pm.role IN ('owner', 'editor'))
         OR ((t.created_by = @CallerId OR t.assigned_user_id = @CallerId OR @Privileged)
             AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.visibility = 'public')))
        """;

    /// <summary>Task `t`'s project is not archived: an archived project and its tasks are read-only (409).</summary>
    public const string TaskProjectOpen = "NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.archived_at IS NOT NULL)";

    /// <summary>The caller may put a task in project @ProjectId (create one there, or move one there): it exists, the
    /// caller may read it and create in it, and it is not archived.</summary>
    public const string ProjectIdTakesTasks = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId AND p.archived_at IS NULL AND {Readable} AND {Creatable})";

    /// <summary>Why project @ProjectId takes no task from the caller: read as a <see cref="TargetCheck"/>.</summary>
    public const string TargetCheckSql = $"""
        SELECT coalesce(bool_or({Readable}), false) AS readable, coalesce(bool_or({Creatable}), false) AS creatable,
               coalesce(bool_or(p.archived_at IS NOT NULL), false) AS archived
        FROM projects p WHERE p.id = @ProjectId
        """;

    /// <summary>Project `p` may be managed (renamed, archived, deleted, its members changed): an owner or an admin.</summary>
    public const string Manageable = """
        (@CallerIsAdmin
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = @CallerId AND pm.role = 'owner'))
        """;
}

/// <summary>What <see cref="ProjectAccess.TargetCheckSql"/> found about a project a task was to go to.</summary>
public sealed record TargetCheck(bool Readable, bool Creatable, bool Archived)
{
    /// <summary>The answer when the project takes no task from the caller, in the order a caller needs to hear it.</summary>
    public Infrastructure.Mediation.Outcome<T> Refusal<T>(long projectId) => this switch
    {
        { Readable: false } => Infrastructure.Mediation.Outcome<T>.Invalid("project_id", $"Project {projectId} does not exist."),
        { Creatable: false } => Infrastructure.Mediation.Outcome<T>.Forbidden($"Only the editors and owners of project {projectId} may put tasks in it."),
        { Archived: true } => Infrastructure.Mediation.Outcome<T>.Conflict($"Project {projectId} is archived: it takes no new tasks."),
        _ => Infrastructure.Mediation.Outcome<T>.Conflict($"Project {projectId} changed while the task was written; try again."),
    };
}

/// <summary>The caller as the access fragments take it.</summary>
public readonly record struct Caller(long CallerId, bool CallerIsAdmin)
{
    public static Caller From(ClaimsPrincipal user) => new(user.UserId(), user.IsInRole(Roles.Admin));
}

public static class ProjectProblems
{
    /// <summary>The answer for a project that does not exist and for one the caller may not read alike.</summary>
    public static Infrastructure.Http.Problem NotFound(long id) =>
        Infrastructure.Http.Problem.Of(StatusCodes.Status404NotFound, $"Project {id} does not exist.");
}
