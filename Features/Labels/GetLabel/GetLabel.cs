namespace TaskManager.Features.Labels.GetLabel;

public sealed record GetLabelQuery(long Id, long CallerId, bool CallerIsAdmin) : IQuery<LabelResource?>;

public sealed class GetLabelHandler(NpgsqlDataSource db) : IQueryHandler<GetLabelQuery, LabelResource?>
{
    private const string Sql = $"""
        SELECT {LabelSql.Columns} FROM labels l JOIN projects p ON p.id = l.project_id
        WHERE l.id = @Id AND {ProjectAccess.Readable}
        """;

    public async ValueTask<LabelResource?> Handle(GetLabelQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<LabelResource>(new CommandDefinition(Sql, query, cancellationToken: ct));
    }
}

public static class GetLabelEndpoint
{
    public static RouteHandlerBuilder MapGetLabel(this IEndpointRouteBuilder app) => app
        .MapGet("/labels/{id}", HandleAsync)
        .WithName("GetLabel")
        .WithSummary("Get a label")
        .WithDescription("One label of a project the caller can read, with its ETag; If-None-Match with that ETag answers 304.")
        .ProducesConditionalGet();

    private static async Task<Results<Ok<LabelResource>, StatusCodeHttpResult, Problem>> HandleAsync(long id,
        [FromHeader(Name = "If-None-Match")] string? ifNoneMatch, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (await mediator.Send(new GetLabelQuery(id, caller.CallerId, caller.CallerIsAdmin), ct) is not { } label)
        {
            return Problem.Of(StatusCodes.Status404NotFound, $"Label {id} does not exist.");
        }
        return VersionETag.Answer(http, ifNoneMatch, label.Version, () => label);
    }
}
