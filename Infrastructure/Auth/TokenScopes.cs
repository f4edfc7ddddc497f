namespace TaskManager.Infrastructure.Auth;

/// <summary>What a personal access token may be used for. A route's scope is stated once on its route group
/// (<see cref="RequireScope{TBuilder}"/>); a route that states none is a task route, read by GET and HEAD (tasks:read) and
/// written by every other method (tasks:write), so new task, comment and label routes need no line of their own.
/// A password session holds every scope; roles still decide what any caller may do.</summary>
public static class TokenScopes
{
    public const string TasksRead = "tasks:read";
    public const string TasksWrite = "tasks:write";
    public const string Imports = "imports";
    public const string Webhooks = "webhooks";
    public const string Admin = "admin";

    /// <summary>Any token may call the route, whatever its scopes (who am I).</summary>
    public const string AnyToken = "*";

    /// <summary>No token may call the route: only a password session (creating tokens, changing the password).</summary>
    public const string SessionOnly = "";

    /// <summary>The claim a token's principal carries once per scope.</summary>
    public const string Claim = "scope";

    /// <summary>The claim naming the token a principal was made from; sessions have none.</summary>
    public const string TokenIdClaim = "pat_id";

    public static readonly IReadOnlyList<string> All = [TasksRead, TasksWrite, Imports, Webhooks, Admin];

    /// <summary>The role a scope is useless without: a token is never granted a scope its user could not use.</summary>
    public static string[] RolesFor(string scope) => scope switch
    {
        Webhooks => [Roles.Manager, Roles.Admin],
        Admin => [Roles.Admin],
        _ => [Roles.User, Roles.Manager, Roles.Admin],
    };

    /// <summary>Marks every route of the group (or one route) as needing <paramref name="scope"/> when called with a token.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));

    /// <summary>The scope a token needs for this route and method: the last one stated, else the task rule.</summary>
    public static string Required(IReadOnlyList<object> metadata, string method) =>
        (metadata is EndpointMetadataCollection endpoint ? endpoint.GetMetadata<RequiredScope>() : metadata.OfType<RequiredScope>().LastOrDefault())?.Scope
        ?? (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? TasksRead : TasksWrite);

    public static bool IsToken(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == TokenIdClaim);

    public static long? TokenId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(TokenIdClaim), System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>Whether the caller may use a route needing <paramref name="needed"/>: a session always may; tasks:write
    /// includes tasks:read, as writing a task means reading it.</summary>
    public static bool Allows(this ClaimsPrincipal user, string needed)
    {
        if (!user.IsToken() || needed == AnyToken)
        {
            return true;
        }
        return needed != SessionOnly &&
               (user.HasClaim(Claim, needed) || (needed == TasksRead && user.HasClaim(Claim, TasksWrite)));
    }
}

/// <summary>Endpoint metadata: the scope a token needs for the route.</summary>
public sealed record RequiredScope(string Scope);
