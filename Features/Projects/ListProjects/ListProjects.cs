using System.Globalization;
using System.Text.Json;

namespace TaskManager.Features.Projects.ListProjects;

public sealed record ProjectsPage(IReadOnlyList<ProjectResource> Projects, string? NextCursor);

public sealed record ListProjectsQuery(long CallerId, bool CallerIsAdmin, string? Q, bool Archived, int Limit, string? Cursor)
    : IQuery<Outcome<ProjectsPage>>;

/// <summary>The projects the caller can read, by name (case-insensitive, then id), paged by keyset.</summary>
public sealed class ListProjectsHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListProjectsQuery, Outcome<ProjectsPage>>
{
    private const string Sql = $"""
        SELECT {ProjectSql.Columns}, lower(p.name) AS sort_name
        FROM projects p {ProjectSql.CallerMembership}
        WHERE {ProjectAccess.Readable}
          AND (p.archived_at IS NOT NULL) = @Archived
          AND (@Q::text IS NULL OR p.name ILIKE '%' || @Q || '%')
          AND (@AfterName::text IS NULL OR (lower(p.name), p.id) > (@AfterName, @AfterId))
        ORDER BY lower(p.name), p.id
        LIMIT @PageSize
        """;

    public async ValueTask<Outcome<ProjectsPage>> Handle(ListProjectsQuery query, CancellationToken ct)
    {
        // Words of q match anywhere in the name: escape LIKE's own wildcards.
        var q = string.IsNullOrWhiteSpace(query.Q) ? null : query.Q.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
        var fingerprint = $"projects;q={JsonSerializer.Serialize(q)};archived={query.Archived}";
        string? afterName = null;
        long afterId = 0;
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, fingerprint) is not [var name, var id] ||
                !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
            {
                return Outcome<ProjectsPage>.Invalid("cursor", "cursor is not one this list gave for this query (same q and archived).");
            }
            afterName = name;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<ProjectResource, string, (ProjectResource Project, string SortName)>(new CommandDefinition(Sql, new
        {
            query.CallerId,
            query.CallerIsAdmin,
            Q = q,
            query.Archived,
            AfterName = afterName,
            AfterId = afterId,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct), (project, sortName) => (project, sortName), splitOn: "sort_name")).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, fingerprint,
            r => [r.SortName, r.Project.Id.ToString(CultureInfo.InvariantCulture)]);
        return new ProjectsPage(page.Select(r => r.Project).ToList(), next);
    }
}

public static class ListProjectsEndpoint
{
    public static RouteHandlerBuilder MapListProjects(this IEndpointRouteBuilder app) => app
        .MapGet("", HandleAsync)
        .WithName("ListProjects")
        .WithSummary("List projects")
        .WithDescription("The projects the caller can read, by name, paged by cursor; q matches part of the name. Archived projects " +
                         "are left out unless archived=true, which lists only them.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<ProjectsPage>, Problem>> HandleAsync(ClaimsPrincipal user, IMediator mediator, HttpContext http,
        CancellationToken ct, [FromQuery] string? q = null, [FromQuery] string? archived = null, [FromQuery] string? limit = null,
        [FromQuery] string? cursor = null)
    {
        if (!CursorPages.TryLimit(limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        if (archived is not (null or "true" or "false"))
        {
            return Problem.Invalid("archived", "archived must be true or false.");
        }
        if (q is { Length: > 100 } || q?.Contains('\0') == true)
        {
            return Problem.Invalid("q", "q must be at most 100 characters long, without NUL characters.");
        }
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new ListProjectsQuery(caller.CallerId, caller.CallerIsAdmin, q, archived == "true", size, cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
