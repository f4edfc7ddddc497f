using System.Text.Json;
using MassTransit;

namespace TaskManager.Features.Comments;

/// <summary>A comment was created, changed or deleted. Written to the outbox in the statement of the change itself
/// (comment_changed_event, migration V21); webhooks deliver it as the task's project allows.</summary>
[MessageUrn("taskmanager:comments:comment-changed:v1")]
[EntityName("taskmanager.comment-changed")]
public sealed record CommentChanged
{
    public required long CommentId { get; init; }
    public required long TaskId { get; init; }

    /// <summary>The project of the comment's task when the change was made: who may hear of it.</summary>
    public required long ProjectId { get; init; }

    public required string Action { get; init; }

    /// <summary>The comment as v2 shows it after the change; only `{id, task_id}` for a deletion.</summary>
    public required JsonElement Comment { get; init; }

    public long? ModifiedBy { get; init; }
    public required DateTime ChangedAt { get; init; }

    /// <summary>The change's position in the feed (migration V24); none on messages written before it.</summary>
    public string? ChangePosition { get; init; }
}

public static class CommentEvents
{
    /// <summary>The outbox's name for <see cref="CommentChanged"/>.</summary>
    public const string MessageType = "comment-changed";

    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";

    public static readonly string[] Actions = [Created, Updated, Deleted];
}

/// <summary>A message is input: one that could not have come from our SQL is refused before anything is delivered.</summary>
public sealed class CommentChangedValidator : AbstractValidator<CommentChanged>
{
    public CommentChangedValidator()
    {
        RuleFor(m => m.CommentId).GreaterThan(0);
        RuleFor(m => m.TaskId).GreaterThan(0);
        RuleFor(m => m.ProjectId).GreaterThan(0);
        RuleFor(m => m.Action).Must(a => CommentEvents.Actions.Contains(a)).WithMessage("action must be one of: " + string.Join(", ", CommentEvents.Actions));
        RuleFor(m => m.Comment.ValueKind).Equal(JsonValueKind.Object).WithMessage("comment must be a JSON object.");
        RuleFor(m => m.ChangedAt).NotEqual(default(DateTime));
    }
}
