namespace TaskManager.Features.Accounts.SearchUsers;

/// <summary>Who a task can be assigned to: an id and a username, never an email.</summary>
public sealed record Assignee(long Id, string Username);

public sealed record AssigneesPage(IReadOnlyList<Assignee> Users, string? NextCursor);

public sealed record SearchUsersRequest(
    [property: FromQuery(Name = "q")] string? Q = null,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null)
{
    // Methods, not properties: none is a parameter, nor text to check for NUL.

    public string? Words() => string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();

    /// <summary>What a cursor is bound to.</summary>
    public string Fingerprint() => $"users:{Words()}";

    /// <summary>The lower-cased username a cursor continues after, or null when it is not one of this q's.</summary>
    public string? After(Cursors cursors) => Cursor is not null && cursors.Decode(Cursor, Fingerprint()) is [var last] ? last : null;
}

/// <summary>One error at a time, in the order the search has always checked them.</summary>
public sealed class SearchUsersValidator : AbstractValidator<SearchUsersRequest>
{
    public SearchUsersValidator(Cursors cursors)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Limit).ValidLimit();
        RuleFor(r => r.Q).Must(q => q is not { Length: > 80 } && q?.Any(char.IsControl) != true)
            .WithMessage("q must be at most 80 characters, without control characters.");
        RuleFor(r => r.Cursor).ValidCursor(r => r.After(cursors), "cursor is not one this list gave for this q.");
    }
}

public sealed record SearchUsersQuery(string? Q, int Limit, string Fingerprint, string? After) : IQuery<AssigneesPage>;

/// <summary>Active accounts whose username contains `q` (any case), in username order, paged by keyset on the
/// lower-cased username, which the unique index already orders.</summary>
public sealed class SearchUsersHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<SearchUsersQuery, AssigneesPage>
{
    private const string Sql = """
        SELECT id, username FROM users
        WHERE is_active
          AND (@Q::text IS NULL OR strpos(lower(username), lower(@Q)) > 0)
          AND (@After::text IS NULL OR lower(username) > @After)
        ORDER BY lower(username)
        LIMIT @PageSize
        """;

    public async ValueTask<AssigneesPage> Handle(SearchUsersQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Assignee>(new CommandDefinition(Sql,
            new { query.Q, query.After, PageSize = query.Limit + 1 }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint, u => [u.Username.ToLowerInvariant()]);
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

    private static async Task<Ok<AssigneesPage>> HandleAsync([AsParameters] SearchUsersRequest request, IMediator mediator, Cursors cursors,
        HttpContext http, CancellationToken ct)
    {
        var page = await mediator.Send(new SearchUsersQuery(request.Words(), CursorPages.Limit(request.Limit)!.Value, request.Fingerprint(),
            request.After(cursors)), ct);
        return CursorPages.Ok(http, page, page.NextCursor);
    }
}
