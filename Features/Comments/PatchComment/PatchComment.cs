using System.Text.Json;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Comments.PatchComment;

/// <summary>The fields a merge patch may carry (for the document; the body is read as RFC 7396 JSON Merge Patch).
/// A comment's body cannot be removed, so `body: null` is a 400.</summary>
[RequestBody(NeverNull = ["body"], Example = """{"body":"Unblocked: the review is done."}""")]
public sealed record CommentPatch(string? Body);

public sealed record PatchCommentCommand(long Id, long CallerId, bool CallerIsAdmin, int[]? ExpectedVersions, string? Body)
    : ICommand<Outcome<CommentResource>>;

/// <summary>Only the author edits a comment. The right, the project being open and the expected version are conditions of
/// the UPDATE itself; a patch that changes nothing keeps the version and fires no event.</summary>
public sealed class PatchCommentHandler(DbSession db) : ICommandHandler<PatchCommentCommand, Outcome<CommentResource>>
{
    private static readonly string Sql = $"""
        WITH old AS (
            SELECT c.body FROM task_comments c WHERE c.id = @Id FOR UPDATE
        ), changed AS (
            UPDATE task_comments c SET
                body = coalesce(@Body, old.body),
                updated_at = CASE WHEN coalesce(@Body, old.body) <> old.body THEN now() ELSE c.updated_at END,
                version = c.version + CASE WHEN coalesce(@Body, old.body) <> old.body THEN 1 ELSE 0 END
            FROM old, tasks t
            WHERE c.id = @Id AND t.id = c.task_id AND {ProjectAccess.TaskReadable}
              AND c.author_id = @CallerId AND {ProjectAccess.TaskProjectOpen}
              AND (@ExpectedVersions::int[] IS NULL OR c.version = ANY(@ExpectedVersions))
            RETURNING c.*, c AS row, t.project_id, coalesce(@Body, old.body) <> old.body AS differs
        ), ev AS (
            {CommentSql.Outbox(CommentEvents.Updated, "changed WHERE differs")}
        )
        SELECT {CommentSql.Columns} FROM changed c {CommentSql.Author}
        """;

    // Only read when nothing was changed, to say which condition failed: null when the comment does not exist for the caller.
    private const string WhyNotSql = $"""
        SELECT coalesce(c.author_id = @CallerId, false) AS is_author, NOT {ProjectAccess.TaskProjectOpen} AS archived, c.version
        FROM task_comments c JOIN tasks t ON t.id = c.task_id
        WHERE c.id = @Id AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<Outcome<CommentResource>> Handle(PatchCommentCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.QuerySingleOrDefaultAsync<CommentResource>(new CommandDefinition(Sql, command, cancellationToken: ct)) is { } comment)
        {
            return comment;
        }
        return await connection.QuerySingleOrDefaultAsync<WhyNot>(new CommandDefinition(WhyNotSql, command, cancellationToken: ct)) switch
        {
            null => CommentRules.Missing<CommentResource>(command.Id),
            { IsAuthor: false } => Outcome<CommentResource>.Forbidden("Only a comment's author may edit it."),
            { Archived: true } => Outcome<CommentResource>.Conflict(Tasks.TaskProblems.Archived),
            var why => Outcome<CommentResource>.PreconditionFailed(
                $"The comment has changed since you read it (its ETag is now {VersionETag.For(why.Version)}). Read it again and retry."),
        };
    }

    private sealed record WhyNot(bool IsAuthor, bool Archived, int Version);
}

public static class PatchCommentEndpoint
{
    public static RouteHandlerBuilder MapPatchComment(this IEndpointRouteBuilder app) => app
        .MapPatch("/comments/{id}", HandleAsync)
        .WithName("PatchComment")
        .WithSummary("Edit a comment")
        .WithDescription("JSON Merge Patch (RFC 7396) of body (the author only). Send If-Match with the comment's ETag to avoid " +
                         "overwriting a newer change. A comment on a task of an archived project is 409.")
        .AcceptsMergePatch<CommentPatch>();

    private static Task<Results<Ok<CommentResource>, Problem>> HandleAsync(long id, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return MergePatchBody.SendAsync(request, mediator, PatchCommentRequest.Read,
            patch => new PatchCommentCommand(id, caller.CallerId, caller.CallerIsAdmin, VersionETag.ExpectedVersions(ifMatch), patch.Body),
            comment => comment.Version, ct);
    }
}

/// <summary>A merge patch as read: the new body, null when the patch leaves it as it is. Other keys are not the comment's
/// to change, and are ignored.</summary>
public sealed record PatchCommentRequest(string? Body)
{
    public static PatchRead<PatchCommentRequest> Read(JsonElement patch)
    {
        if (!patch.TryGetProperty("body", out var value))
        {
            return new PatchCommentRequest((string?)null);
        }
        try
        {
            // A body cannot be removed, so null is as wrong as a number.
            return value.ValueKind == JsonValueKind.String
                ? new PatchCommentRequest(value.GetString())
                : Problem.Invalid("body", CommentRules.BodyError);
        }
        catch (InvalidOperationException)
        {
            return Problem.Invalid("body", CommentRules.BodyError); // a \u escape that is not a whole character (a lone surrogate)
        }
    }
}

public sealed class PatchCommentValidator : AbstractValidator<PatchCommentRequest>
{
    public PatchCommentValidator() => RuleFor(p => p.Body).ValidCommentBody().When(p => p.Body is not null);
}
