using System.Security.Claims;
using TaskManager.Infrastructure.Auth;

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
    /// trail outlives it). A purged task's project is not recorded yet, so its trail stays as readable as it was.</summary>
    public const string TaskIdNotHidden = $"NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = @TaskId AND NOT {TaskReadable})";

    /// <summary>Project `p` may be managed (renamed, archived, deleted, its members changed): an owner or an admin.</summary>
    public const string Manageable = """
        (@CallerIsAdmin
         OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = @CallerId AND pm.role = 'owner'))
        """;
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
