namespace TaskManager.Features.Projects;

public sealed record ProjectMember(long UserId, string Username, string Role, DateTime AddedAt);

/// <summary>What the member routes share: the project locked with the caller's rights on it (<see cref="ProjectLock"/>),
/// so member changes of one project run one at a time, and the count of its owners.</summary>
public static class ProjectMembers
{
    private const string LockedSql = $"""
        SELECT {ProjectAccess.Manageable} AS manageable, p.archived_at IS NOT NULL AS archived,
               (SELECT count(*) FROM project_members o WHERE o.project_id = p.id AND o.role = 'owner') AS owners,
               (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.user_id = @UserId) AS target_role
        FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable}
        """;

    public const string MemberColumns = "m.user_id, u.username, m.role, m.added_at";

    /// <summary>The locked project as the caller sees it, or null when it does not exist for the caller.</summary>
    public static Task<LockedProject?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, long userId,
        Caller caller, CancellationToken ct) =>
        ProjectLock.ReadLockedAsync<LockedProject>(connection, transaction, LockedSql,
            new { Id = id, UserId = userId, caller.CallerId, caller.CallerIsAdmin }, ct);

    public sealed class LockedProject
    {
        public bool Manageable { get; init; }
        public bool Archived { get; init; }
        public long Owners { get; init; }
        /// <summary>The role of the member the request is about, null when that user is not a member.</summary>
        public string? TargetRole { get; init; }

        public bool IsLastOwner => TargetRole == "owner" && Owners <= 1;
    }
}
