using System.Globalization;

namespace TaskManager.Features.Projects.ListProjectMembers;

public sealed record ProjectMembersPage(IReadOnlyList<ProjectMember> Members, string? NextCursor);

public sealed record ListProjectMembersRequest(
    [property: FromRoute(Name = "id")] long Id,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null) : IPageRequest
{
    public string Fingerprint() => $"project-members:{Id}";
}

public sealed class ListProjectMembersValidator(Cursors cursors)
    : PageValidator<ListProjectMembersRequest>(r => cursors.DecodeId(r), "cursor is not one this list gave you.");

public sealed record ListProjectMembersQuery(long Id, Caller Caller, int Limit, string Fingerprint, long? After) : IQuery<Outcome<ProjectMembersPage>>;

/// <summary>The members of a project the caller can read, by user id, paged by keyset.</summary>
public sealed class ListProjectMembersHandler(NpgsqlDataSource db, Cursors cursors)
    : IQueryHandler<ListProjectMembersQuery, Outcome<ProjectMembersPage>>
{
    private const string Sql = $"""
        SELECT {ProjectMembers.MemberColumns}
        FROM projects p
        JOIN project_members m ON m.project_id = p.id AND m.user_id > @AfterId
        JOIN users u ON u.id = m.user_id
        WHERE p.id = @Id AND {ProjectAccess.Readable}
        ORDER BY m.user_id
        LIMIT @PageSize
        """;

    private const string ReadableSql = $"SELECT EXISTS (SELECT 1 FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable})";

    public async ValueTask<Outcome<ProjectMembersPage>> Handle(ListProjectMembersQuery query, CancellationToken ct)
    {
        var parameters = new { query.Id, query.Caller.CallerId, query.Caller.CallerIsAdmin, AfterId = query.After ?? 0, PageSize = query.Limit + 1 };
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<ProjectMember>(new CommandDefinition(Sql, parameters, cancellationToken: ct))).AsList();
        // No row: an empty page of a readable project, or a project the caller may not read (404).
        if (rows.Count == 0 && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ReadableSql, parameters, cancellationToken: ct)))
        {
            return Outcome<ProjectMembersPage>.NotFound($"Project {query.Id} does not exist.");
        }
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint, m => [m.UserId.ToString(CultureInfo.InvariantCulture)]);
        return new ProjectMembersPage(page, next);
    }
}

public static class ListProjectMembersEndpoint
{
    public static RouteHandlerBuilder MapListProjectMembers(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/members", HandleAsync)
        .WithName("ListProjectMembers")
        .WithSummary("List a project's members")
        .WithDescription("Who belongs to the project and with which role, by user id, paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ProjectMembersPage>, Problem>> HandleAsync([AsParameters] ListProjectMembersRequest request,
        ClaimsPrincipal user, IMediator mediator, Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new ListProjectMembersQuery(request.Id, Caller.From(user), CursorPages.Limit(request.Limit)!.Value,
            request.Fingerprint(), cursors.DecodeId(request)), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
