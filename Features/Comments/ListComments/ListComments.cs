using System.Globalization;

namespace TaskManager.Features.Comments.ListComments;

public sealed record CommentsPage(IReadOnlyList<CommentResource> Comments, string? NextCursor);

public sealed record ListCommentsRequest(
    [property: FromRoute(Name = "id")] long Id,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null) : IPageRequest
{
    public string Fingerprint() => $"task-comments:{Id}";
}

public sealed class ListCommentsValidator(Cursors cursors)
    : PageValidator<ListCommentsRequest>(r => cursors.DecodeId(r), "cursor is not one this list gave you.");

public sealed record ListCommentsQuery(long TaskId, Caller Caller, int Limit, string Fingerprint, long? After) : IQuery<Outcome<CommentsPage>>;

/// <summary>A task's comments, oldest first, paged by keyset on the comment id: a deep page costs what the first does.</summary>
public sealed class ListCommentsHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListCommentsQuery, Outcome<CommentsPage>>
{
    private const string Sql = $"""
        SELECT {CommentSql.Columns}
        FROM tasks t
        JOIN task_comments c ON c.task_id = t.id AND c.id > @AfterId
        {CommentSql.Author}
        WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}
        ORDER BY c.id
        LIMIT @PageSize
        """;

    private const string ReadableSql = $"SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable})";

    public async ValueTask<Outcome<CommentsPage>> Handle(ListCommentsQuery query, CancellationToken ct)
    {
        var parameters = new { query.TaskId, query.Caller.CallerId, query.Caller.CallerIsAdmin, AfterId = query.After ?? 0, PageSize = query.Limit + 1 };
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<CommentResource>(new CommandDefinition(Sql, parameters, cancellationToken: ct))).AsList();
        // No row: an empty page of a readable task, or a task the caller may not read (404).
        if (rows.Count == 0 && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ReadableSql, parameters, cancellationToken: ct)))
        {
            return CommentRules.MissingTask<CommentsPage>(query.TaskId);
        }
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint, c => [c.Id.ToString(CultureInfo.InvariantCulture)]);
        return new CommentsPage(page, next);
    }
}

public static class ListCommentsEndpoint
{
    public static RouteHandlerBuilder MapListComments(this IEndpointRouteBuilder app) => app
        .MapGet("/tasks/{id}/comments", HandleAsync)
        .WithName("ListComments")
        .WithSummary("List a task's comments")
        .WithDescription("The comments on a task the caller can read (deleted tasks included), oldest first, paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<CommentsPage>, Problem>> HandleAsync([AsParameters] ListCommentsRequest request, ClaimsPrincipal user,
        IMediator mediator, Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new ListCommentsQuery(request.Id, Caller.From(user), CursorPages.Limit(request.Limit)!.Value,
            request.Fingerprint(), cursors.DecodeId(request)), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
