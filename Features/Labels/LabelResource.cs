namespace TaskManager.Features.Labels;

/// <summary>A label of a project: `task_count` counts its tasks that are not deleted; `version` is the number behind the ETag.</summary>
public sealed record LabelResource
{
    public required long Id { get; init; }
    public required long ProjectId { get; init; }
    public required string Name { get; init; }
    public string? Color { get; init; }
    public required int TaskCount { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public required int Version { get; init; }
}

public sealed record ListLabelsResponse(IReadOnlyList<LabelResource> Labels);

public static class LabelSql
{
    /// <summary>A label `l` as <see cref="LabelResource"/>.</summary>
    public const string Columns = """
        l.id, l.project_id, l.name, l.color,
        (SELECT count(*)::int FROM tasks t WHERE t.label_ids @> ARRAY[l.id] AND t.status) AS task_count,
        l.created_at, l.updated_at, l.version
        """;

    /// <summary>Project `p` (a label's) lets the caller manage its labels: readable, open, and the caller may create tasks
    /// in it (anyone in a public project; editors and owners in a private one).</summary>
    public const string Manageable = $"({Projects.ProjectAccess.Creatable} AND p.archived_at IS NULL)";

    /// <summary>Why label @Id was not changed: null when the caller cannot read it; else its version and rights.</summary>
    public const string WhyNotSql = $"""
        SELECT l.version, {Projects.ProjectAccess.Creatable} AS may_manage, p.archived_at IS NOT NULL AS archived
        FROM labels l JOIN projects p ON p.id = l.project_id
        WHERE l.id = @Id AND {Projects.ProjectAccess.Readable}
        """;

    /// <summary>The outbox row of each label in <paramref name="from"/> (giving the label row as <paramref name="label"/>).</summary>
    public static string Outbox(string action, string label, string from) => $"""
        INSERT INTO outbox_messages (message_type, body)
        SELECT 'label-changed', label_changed_event({action}, {label}, @CallerId) FROM {from}
        """;

    /// <summary>The tasks that carry label @Id, renamed to <paramref name="name"/>, get a new version (how they read has
    /// changed, so their ETags must too) and its new filter key.</summary>
    public static string RenameOnTasks(string name) => $"""
        UPDATE tasks t SET version = t.version + 1,
            label_keys = ARRAY(SELECT CASE WHEN k.id = @Id THEN lower({name}) ELSE lower(k.name) END FROM labels k WHERE k.id = ANY(t.label_ids) ORDER BY 1)
        WHERE t.label_ids @> ARRAY[@Id::bigint]
        """;
}

public sealed record LabelWhyNot(int Version, bool MayManage, bool Archived)
{
    public Outcome<T> Refusal<T>(int[]? expected) => this switch
    {
        { MayManage: false } => Outcome<T>.Forbidden("Only the project's editors and owners may manage its labels."),
        { Archived: true } => Outcome<T>.Conflict("The label's project is archived and read-only."),
        _ when expected is not null && !expected.Contains(Version) =>
            Outcome<T>.PreconditionFailed($"The label has changed since you read it (its ETag is now {VersionETag.For(Version)})."),
        _ => Outcome<T>.Conflict("The label changed while it was written; try again."),
    };
}
