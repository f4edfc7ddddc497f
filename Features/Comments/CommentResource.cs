using System.Globalization;

namespace TaskManager.Features.Comments;

/// <summary>A comment on a task: `author` is its author's username (null once the account is gone); `version` is the
/// number behind the ETag. `body` is exactly as written.</summary>
public sealed record CommentResource
{
    public required long Id { get; init; }
    public required long TaskId { get; init; }
    public long? AuthorId { get; init; }
    public string? Author { get; init; }
    public required string Body { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public required int Version { get; init; }
}

/// <summary>The SQL the comment slices share. A comment exists for the caller only when its task does: every statement
/// joins the comment's task as `t` and embeds <see cref="ProjectAccess.TaskReadable"/>, so a comment of a project the
/// caller may not read answers 404 as a missing id does.</summary>
public static class CommentSql
{
    /// <summary>A comment `c` as <see cref="CommentResource"/>, with its author's row joined as `u` (<see cref="Author"/>).</summary>
    public const string Columns = "c.id, c.task_id, c.author_id, u.username AS author, c.body, c.created_at, c.updated_at, c.version";

    public const string Author = "LEFT JOIN users u ON u.id = c.author_id";

    /// <summary>Comment `c` on task `t` may be deleted by the caller: its author, or whoever manages the task's project
    /// (its owners and admins: <see cref="ProjectAccess.Manageable"/>).</summary>
    public const string Deletable = $"""
        (coalesce(c.author_id = @CallerId, false) OR EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND {ProjectAccess.Manageable}))
        """;

    /// <summary>Writes the outbox row of each comment in <paramref name="from"/> (giving the comment row as `row` and its
    /// task's project as `project_id`), for the CTE of the change: `ev AS ({Outbox(...)})`.</summary>
    public static string Outbox(string action, string from) => $"""
        INSERT INTO outbox_messages (message_type, body)
        SELECT '{CommentEvents.MessageType}', comment_changed_event('{action}', row, project_id, @CallerId) FROM {from}
        """;
}

/// <summary>What a valid comment body is, for the create's validator and the patch's reader alike.</summary>
public static class CommentRules
{
    public const int MaxLength = 10_000;

    public static readonly string BodyError =
        string.Create(CultureInfo.InvariantCulture, $"body must be 1 to {MaxLength:N0} characters of text, not only white space.");

    // Characters, as SPEC counts them (an emoji is one), the same measure as the table's char_length.
    public static bool IsBody(string? body) =>
        !string.IsNullOrWhiteSpace(body) && !body.Contains('\0') && body.EnumerateRunes().Count() <= MaxLength;

    public static IRuleBuilderOptions<T, string?> ValidCommentBody<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsBody).WithMessage(BodyError);

    public static Outcome<T> Missing<T>(long id) => Outcome<T>.NotFound($"Comment {id} does not exist.");

    public static Outcome<T> MissingTask<T>(long taskId) => Outcome<T>.NotFound($"Task {taskId} does not exist.");
}
