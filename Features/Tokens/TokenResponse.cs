namespace TaskManager.Features.Tokens;

/// <summary>A personal access token as lists show it: never the token itself, which is shown once, when it is made.</summary>
public sealed record TokenResponse
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public required string[] Scopes { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public DateTime? LastUsedAt { get; init; }

    /// <summary>The select list that fills it, from <c>access_tokens</c>.</summary>
    public const string Columns = "id, name, scopes, created_at, expires_at, last_used_at";
}

/// <summary>The limits of a user's tokens.</summary>
public static class TokenRules
{
    /// <summary>Live (unrevoked, unexpired) tokens one user may hold, so a list needs no pages and a leaked session
    /// cannot mint tokens without end.</summary>
    public const int MaxLivePerUser = 100;

    public const int DefaultDays = 90;
    public const int MaxDays = 365;
    public const int MaxNameLength = 100;
}
