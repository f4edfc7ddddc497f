namespace TaskManager.Features.Accounts.SearchUsers;

/// <summary>Who a task can be assigned to: an id and a username, never an email.</summary>
public sealed record Assignee(long Id, string Username);

public sealed record AssigneesPage(IReadOnlyList<Assignee> Users, string? NextCursor);

public sealed record SearchUsersQuery(string? Q, int Limit, string? Cursor) : IQuery<Outcome<AssigneesPage>>;

/// <summary>Active accounts whose username contains `q` (any case), in username order, paged by keyset on the
/// lower-cased username, which the unique index already orders.</summary>
public sealed class SearchUsersHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<SearchUsersQuery, Outcome<AssigneesPage>>
{
    private const string Sql = """
        SELECT id, username FROM users
        WHERE is_active
          AND (@Q::text IS NULL OR strpos(lower(username), lower(@Q)) > 0)
          AND (@After::text IS NULL OR lower(username) > @After)
        ORDER BY lower(username)
        LIMIT @PageSize
        """;

    public async ValueTask<Outcome<AssigneesPage>> Handle(SearchUsersQuery query, CancellationToken ct)
    {
        var fingerprint = $"users:{query.Q}";
        string? after = null;
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, fingerprint) is not [var last])
            {
                return Outcome<AssigneesPage>.Invalid("cursor", "cursor is not one this list gave for this q.");
            }
            after = last;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Assignee>(new CommandDefinition(Sql,
            new { query.Q, After = after, PageSize = query.Limit + 1 }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, fingerprint, u => [u.Username.ToLowerInvariant()]);
        return new AssigneesPage(page, next);
    }
}

public static class SearchUsersEndpoint
{
    public static RouteHandlerBuilder MapSearchUsers(this IEndpointRouteBuilder app) => app
        .MapGet("/users", HandleAsync)
        .WithName("SearchUsers")
        .WithSummary("Find assignees")
        .WithDescription("Active accounts whose username contains q (any case), in username order, paged by cursor: "
                         + "who a task can be assigned to. Ids and usernames only.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<AssigneesPage>, Problem>> HandleAsync(
        IMediator mediator, HttpContext http, CancellationToken ct,
        [FromQuery] string? q = null, [FromQuery] string? limit = null, [FromQuery] string? cursor = null)
    {
        if (!CursorPages.TryLimit(limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        if (q is { Length: > 80 } || q?.Any(char.IsControl) == true)
        {
            return Problem.Invalid("q", "q must be at most 80 characters, without control characters.");
        }
        var outcome = await mediator.Send(new SearchUsersQuery(string.IsNullOrWhiteSpace(q) ? null : q.Trim(), size, cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
