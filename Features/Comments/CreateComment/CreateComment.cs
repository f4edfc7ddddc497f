using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Comments.CreateComment;

[RequestBody("body", Example = """{"body":"Blocked on the API review; I will pick it up on Monday."}""")]
public sealed record CreateCommentRequest(string? Body);

public sealed class CreateCommentValidator : AbstractValidator<CreateCommentRequest>
{
    public CreateCommentValidator() => RuleFor(r => r.Body).ValidCommentBody();
}

public sealed record CreateCommentCommand(long TaskId, long CallerId, bool CallerIsAdmin, string Body) : ICommand<Outcome<CommentResource>>;

/// <summary>Whoever reads a task may comment on it (a deleted one too: it is still read by its id), unless its project is
/// archived. The comment and its comment.created event are one statement.</summary>
public sealed class CreateCommentHandler(DbSession db, TaskReadCache cache) : ICommandHandler<CreateCommentCommand, Outcome<CommentResource>>
{
    // KEY SHARE holds the task against a purge until the insert commits; a task purged meanwhile is found missing.
    private static readonly string Sql = $"""
        WITH t AS (
            SELECT t.id, t.project_id FROM tasks t
            WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable} AND {ProjectAccess.TaskProjectOpen}
            FOR KEY SHARE OF t
        ), c AS (
            INSERT INTO task_comments (task_id, author_id, body)
            SELECT t.id, @CallerId, @Body FROM t
            RETURNING *, task_comments AS row
        ), ev AS (
            {CommentSql.Outbox(CommentEvents.Created, "c JOIN t ON t.id = c.task_id")}
        )
        SELECT {CommentSql.Columns} FROM c {CommentSql.Author}
        """;

    // Only read when nothing was written, to say why: null when the task does not exist for the caller.
    private const string WhyNotSql = $"SELECT NOT {ProjectAccess.TaskProjectOpen} FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}";

    public async ValueTask<Outcome<CommentResource>> Handle(CreateCommentCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.QuerySingleOrDefaultAsync<CommentResource>(new CommandDefinition(Sql, command, cancellationToken: ct)) is { } comment)
        {
            await lease.AfterCommitAsync(cache.InvalidateAsync); // cached task pages show comment_count
            return comment;
        }
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(WhyNotSql, command, cancellationToken: ct)) is null
            ? CommentRules.MissingTask<CommentResource>(command.TaskId)
            : Outcome<CommentResource>.Conflict(Tasks.TaskProblems.Archived);
    }
}

public static class CreateCommentEndpoint
{
    public static RouteHandlerBuilder MapCreateComment(this IEndpointRouteBuilder app) => app
        .MapPost("/tasks/{id}/comments", HandleAsync)
        .WithName("CreateComment")
        .WithSummary("Comment on a task")
        .WithDescription("A new comment by the caller on a task it can read (deleted tasks included). body is 1 to 10,000 characters, " +
                         "not only white space, kept as written. A task of an archived project is 409.")
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.ETag)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<CommentResource>, Problem>> HandleAsync(long id, CreateCommentRequest request, ClaimsPrincipal user,
        IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new CreateCommentCommand(id, caller.CallerId, caller.CallerIsAdmin, request.Body!), ct);
        return outcome.ToResult(comment =>
        {
            http.Response.Headers.ETag = VersionETag.For(comment.Version);
            return TypedResults.Created($"/api/v2/comments/{comment.Id}", comment);
        });
    }
}
