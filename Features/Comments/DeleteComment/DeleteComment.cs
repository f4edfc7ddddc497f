using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Comments.DeleteComment;

public sealed record DeleteCommentCommand(long Id, long CallerId, bool CallerIsAdmin) : ICommand<Outcome<bool>>;

/// <summary>The author, the owners of the task's project and admins delete a comment; it is gone for good, and its
/// comment.deleted event is written in the same statement.</summary>
public sealed class DeleteCommentHandler(DbSession db, TaskReadCache cache) : ICommandHandler<DeleteCommentCommand, Outcome<bool>>
{
    private static readonly string Sql = $"""
        WITH gone AS (
            DELETE FROM task_comments c USING tasks t
            WHERE c.id = @Id AND t.id = c.task_id AND {ProjectAccess.TaskReadable}
              AND {CommentSql.Deletable} AND {ProjectAccess.TaskProjectOpen}
            RETURNING c AS row, t.project_id
        ), ev AS (
            {CommentSql.Outbox(CommentEvents.Deleted, "gone")}
        )
        SELECT count(*) FROM gone
        """;

    // Only read when nothing was deleted, to say why: null when the comment does not exist for the caller.
    private const string WhyNotSql = $"""
        SELECT {CommentSql.Deletable} AS deletable, NOT {ProjectAccess.TaskProjectOpen} AS archived
        FROM task_comments c JOIN tasks t ON t.id = c.task_id
        WHERE c.id = @Id AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<Outcome<bool>> Handle(DeleteCommentCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, command, cancellationToken: ct)) == 1)
        {
            await lease.AfterCommitAsync(cache.InvalidateAsync); // cached task pages show comment_count
            return true;
        }
        return await connection.QuerySingleOrDefaultAsync<WhyNot>(new CommandDefinition(WhyNotSql, command, cancellationToken: ct)) switch
        {
            null => CommentRules.Missing<bool>(command.Id),
            { Deletable: false } => Outcome<bool>.Forbidden("Only a comment's author, the owners of its task's project and admins may delete it."),
            // Archived, or deleted by someone else between the two statements: either way it cannot be deleted now.
            { Archived: true } => Outcome<bool>.Conflict(Tasks.TaskProblems.Archived),
            _ => CommentRules.Missing<bool>(command.Id),
        };
    }

    private sealed record WhyNot(bool Deletable, bool Archived);
}

public static class DeleteCommentEndpoint
{
    public static RouteHandlerBuilder MapDeleteComment(this IEndpointRouteBuilder app) => app
        .MapDelete("/comments/{id}", HandleAsync)
        .WithName("DeleteComment")
        .WithSummary("Delete a comment")
        .WithDescription("Removes a comment for good (its author, the owners of its task's project, admins). " +
                         "A comment on a task of an archived project is 409.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new DeleteCommentCommand(id, caller.CallerId, caller.CallerIsAdmin), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
