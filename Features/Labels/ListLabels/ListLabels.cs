namespace TaskManager.Features.Labels.ListLabels;

public sealed record ListLabelsQuery(long Id, long CallerId, bool CallerIsAdmin) : IQuery<ListLabelsResponse?>;

/// <summary>A project's labels by name (at most 500, so not paged); null when the caller cannot read the project.</summary>
public sealed class ListLabelsHandler(NpgsqlDataSource db) : IQueryHandler<ListLabelsQuery, ListLabelsResponse?>
{
    private const string ProjectSql = $"SELECT EXISTS (SELECT 1 FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable})";

    private const string Sql = $"SELECT {LabelSql.Columns} FROM labels l WHERE l.project_id = @Id ORDER BY lower(l.name), l.name";

    public async ValueTask<ListLabelsResponse?> Handle(ListLabelsQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ProjectSql, query, cancellationToken: ct)))
        {
            return null;
        }
        return new ListLabelsResponse((await connection.QueryAsync<LabelResource>(new CommandDefinition(Sql, query, cancellationToken: ct))).AsList());
    }
}

public static class ListLabelsEndpoint
{
    public static RouteHandlerBuilder MapListLabels(this IEndpointRouteBuilder app) => app
        .MapGet("/projects/{id}/labels", HandleAsync)
        .WithName("ListLabels")
        .WithSummary("List a project's labels")
        .WithDescription("Every label of the project, by name (ignoring case), with how many tasks that are not deleted carry it.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ListLabelsResponse>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return await mediator.Send(new ListLabelsQuery(id, caller.CallerId, caller.CallerIsAdmin), ct) is { } labels
            ? TypedResults.Ok(labels)
            : ProjectProblems.NotFound(id);
    }
}
