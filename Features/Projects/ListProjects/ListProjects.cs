using System.Globalization;
using System.Text.Json;

namespace TaskManager.Features.Projects.ListProjects;

public sealed record ProjectsPage(IReadOnlyList<ProjectResource> Projects, string? NextCursor);

public sealed record ListProjectsRequest(
    [property: FromQuery(Name = "q")] string? Q = null,
    [property: FromQuery(Name = "archived")] string? Archived = null,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null)
{
    // Methods, not properties: none is a parameter, nor text to check for NUL.

    /// <summary>Words of q match anywhere in the name: LIKE's own wildcards escaped.</summary>
    public string? Words() => string.IsNullOrWhiteSpace(Q) ? null : Q.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    /// <summary>What a cursor is bound to.</summary>
    public string Fingerprint() => $"projects;q={JsonSerializer.Serialize(Words())};archived={Archived == "true"}";

    /// <summary>The name and id a cursor continues after, or null when it is not one of this query's.</summary>
    public (string Name, long Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.Decode(Cursor, Fingerprint()) is [var name, var id] && QueryValues.Number(id) is { } afterId ? (name, afterId) : null;
}

/// <summary>One error at a time, in the order the list has always checked them.</summary>
public sealed class ListProjectsValidator : AbstractValidator<ListProjectsRequest>
{
    public ListProjectsValidator(Cursors cursors)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Limit).ValidLimit();
        RuleFor(r => r.Archived).Must(a => a is null or "true" or "false").WithMessage("archived must be true or false.");
        RuleFor(r => r.Q).Must(q => q is not { Length: > 100 } && q?.Contains('\0') != true)
            .WithMessage("q must be at most 100 characters long, without NUL characters.");
        RuleFor(r => r.Cursor).ValidCursor(r => r.After(cursors), "cursor is not one this list gave for this query (same q and archived).");
    }
}

public sealed record ListProjectsQuery(long CallerId, bool CallerIsAdmin, string? Q, bool Archived, int Limit, string Fingerprint,
    (string Name, long Id)? After) : IQuery<ProjectsPage>;

/// <summary>The projects the caller can read, by name (case-insensitive, then id), paged by keyset.</summary>
public sealed class ListProjectsHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListProjectsQuery, ProjectsPage>
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

    public async ValueTask<ProjectsPage> Handle(ListProjectsQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<ProjectResource, string, (ProjectResource Project, string SortName)>(new CommandDefinition(Sql, new
        {
            query.CallerId,
            query.CallerIsAdmin,
            query.Q,
            query.Archived,
            AfterName = query.After?.Name,
            AfterId = query.After?.Id ?? 0,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct), (project, sortName) => (project, sortName), splitOn: "sort_name")).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint,
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

    private static async Task<Ok<ProjectsPage>> HandleAsync([AsParameters] ListProjectsRequest request, ClaimsPrincipal user, IMediator mediator,
        Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var page = await mediator.Send(new ListProjectsQuery(caller.CallerId, caller.CallerIsAdmin, request.Words(), request.Archived == "true",
            CursorPages.Limit(request.Limit)!.Value, request.Fingerprint(), request.After(cursors)), ct);
        return CursorPages.Ok(http, page, page.NextCursor);
    }
}
