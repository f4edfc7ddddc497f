namespace TaskManager.Features.Webhooks;

public static class WebhookEvents
{
    public const string TaskCreated = "task.created";
    public const string TaskUpdated = "task.updated";
    public const string TaskDeleted = "task.deleted";
    public const string TaskRestored = "task.restored";
    public const string TaskPurged = "task.purged";
    public const string ImportCompleted = "import.completed";
    public const string SnapshotTaken = "task_log.snapshot_taken";
    public const string ProjectCreated = "project.created";
    public const string ProjectUpdated = "project.updated";
    public const string ProjectDeleted = "project.deleted";
    public const string ProjectMemberAdded = "project.member_added";
    public const string ProjectMemberChanged = "project.member_changed";
    public const string ProjectMemberRemoved = "project.member_removed";
    public const string LabelCreated = "label.created";
    public const string LabelUpdated = "label.updated";
    public const string LabelDeleted = "label.deleted";
    public const string CommentCreated = "comment.created";
    public const string CommentUpdated = "comment.updated";
    public const string CommentDeleted = "comment.deleted";
    public const string Test = "webhook.test";

    /// <summary>What a subscription may list (webhook.test is sent on request, to any active subscription).</summary>
    public static readonly string[] Subscribable = [TaskCreated, TaskUpdated, TaskDeleted, TaskRestored, TaskPurged, ImportCompleted, SnapshotTaken,
        ProjectCreated, ProjectUpdated, ProjectDeleted, ProjectMemberAdded, ProjectMemberChanged, ProjectMemberRemoved,
        LabelCreated, LabelUpdated, LabelDeleted, CommentCreated, CommentUpdated, CommentDeleted];
}
