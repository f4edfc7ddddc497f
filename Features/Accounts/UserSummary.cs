namespace TaskManager.Features.Accounts;

/// <summary>An account as the admin routes answer it: never its password hash.</summary>
public sealed record UserSummary
{
    public required long Id { get; init; }
    public required string Username { get; init; }
    public required string Email { get; init; }
    public required string[] Roles { get; init; }
    public required bool IsActive { get; init; }
    public required DateTime CreatedAt { get; init; }

    /// <summary>The select list that fills it, from <c>users u</c>.</summary>
    public const string Columns = """
        u.id, u.username, u.email,
        ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
              WHERE ur.user_id = u.id ORDER BY r.id) AS roles,
        u.is_active, u.created_at
        """;
}
