namespace TaskManager.Features.Comments.GetComment;

public sealed record GetCommentQuery(long Id, long CallerId, bool CallerIsAdmin) : IQuery<CommentResource?>;

/// <summary>One comment by its id, if the caller may read its task.</summary>
public sealed class GetCommentHandler(NpgsqlDataSource db) : IQueryHandler<GetCommentQuery, CommentResource?>
{
    private const string Sql = $"""
        SELECT {CommentSql.Columns}
        FROM task_comments c JOIN tasks t ON t.id = c.task_id {CommentSql.Author}
        WHERE c.id = @Id AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<CommentResource?> Handle(GetCommentQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<CommentResource>(new CommandDefinition(Sql, query, cancellationToken: ct));
    }
}

public static class GetCommentEndpoint
{
    public static RouteHandlerBuilder MapGetComment(this IEndpointRouteBuilder app) => app
        .MapGet("/comments/{id}", HandleAsync)
        .WithName("GetComment")
        .WithSummary("Get a comment")
        .WithDescription("One comment on a task the caller can read, with its ETag; If-None-Match with that ETag answers 304.")
        .ProducesConditionalGet();

    private static async Task<Results<Ok<CommentResource>, StatusCodeHttpResult, Problem>> HandleAsync(long id,
        [FromHeader(Name = "If-None-Match")] string? ifNoneMatch, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (await mediator.Send(new GetCommentQuery(id, caller.CallerId, caller.CallerIsAdmin), ct) is not { } comment)
        {
            return Problem.From(CommentRules.Missing<CommentResource>(id));
        }
        return VersionETag.Answer(http, ifNoneMatch, comment.Version, () => comment);
    }
}
