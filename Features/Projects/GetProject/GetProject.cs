namespace TaskManager.Features.Projects.GetProject;

public sealed record GetProjectQuery(long Id, long CallerId, bool CallerIsAdmin) : IQuery<ProjectResource?>;

public sealed class GetProjectHandler(NpgsqlDataSource db) : IQueryHandler<GetProjectQuery, ProjectResource?>
{
    private const string Sql = $"""
        SELECT {ProjectSql.Columns}
        FROM projects p {ProjectSql.CallerMembership}
        WHERE p.id = @Id AND {ProjectAccess.Readable}
        """;

    public async ValueTask<ProjectResource?> Handle(GetProjectQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ProjectResource>(new CommandDefinition(Sql, query, cancellationToken: ct));
    }
}

public static class GetProjectEndpoint
{
    public static RouteHandlerBuilder MapGetProject(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", HandleAsync)
        .WithName("GetProject")
        .WithSummary("Get a project")
        .WithDescription("One project the caller can read, with its ETag; If-None-Match with that ETag answers 304.")
        .ProducesConditionalGet();

    private static async Task<Results<Ok<ProjectResource>, StatusCodeHttpResult, Problem>> HandleAsync(long id,
        [FromHeader(Name = "If-None-Match")] string? ifNoneMatch, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (await mediator.Send(new GetProjectQuery(id, caller.CallerId, caller.CallerIsAdmin), ct) is not { } project)
        {
            return ProjectProblems.NotFound(id);
        }
        return VersionETag.Answer(http, ifNoneMatch, project.Version, () => project);
    }
}
