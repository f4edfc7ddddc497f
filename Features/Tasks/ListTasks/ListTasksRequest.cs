namespace TaskManager.Features.Tasks.ListTasks;

/// <summary>The query string of GET /api/v2/tasks (and, less paging, of its export). Unknown parameters are ignored.
/// Properties rather than a positional record, so the export can take it whole under its own validator.</summary>
public record ListTasksRequest
{
    [FromQuery(Name = "q")] public string? Q { get; init; }
    [FromQuery(Name = "priority")] public string? Priority { get; init; }
    [FromQuery(Name = "done")] public string? Done { get; init; }
    [FromQuery(Name = "assigned_user_id")] public string? AssignedUserId { get; init; }
    [FromQuery(Name = "created_by")] public string? CreatedBy { get; init; }
    [FromQuery(Name = "due_before")] public string? DueBefore { get; init; }
    [FromQuery(Name = "due_after")] public string? DueAfter { get; init; }
    [FromQuery(Name = "overdue")] public string? Overdue { get; init; }
    [FromQuery(Name = "updated_since")] public string? UpdatedSince { get; init; }
    [FromQuery(Name = "deleted")] public string? Deleted { get; init; }
    [FromQuery(Name = "sort")] public string? Sort { get; init; }
    [FromQuery(Name = "limit")] public string? Limit { get; init; }
    [FromQuery(Name = "cursor")] public string? Cursor { get; init; }
    [FromQuery(Name = "project_id")] public string? ProjectId { get; init; }
    [FromQuery(Name = "label")] public string? Label { get; init; }
    [FromQuery(Name = "parent_id")] public string? ParentId { get; init; }
    [FromQuery(Name = "blocked")] public string? Blocked { get; init; }
    [FromQuery(Name = "blocked_by")] public string? BlockedBy { get; init; }
}

/// <summary>The list's filters and sort, each error under its parameter's name, all reported at once. Abstract: the
/// list and the export each register their own.</summary>
public abstract class TaskFiltersValidator<T> : AbstractValidator<T> where T : ListTasksRequest
{
    protected TaskFiltersValidator()
    {
        RuleFor(r => r.Q).Must(q => string.IsNullOrWhiteSpace(q) || q.Length <= TaskQuery.MaxQ)
            .WithMessage($"q must be at most {TaskQuery.MaxQ} characters long.");
        RuleFor(r => r.ProjectId).Checked(v => ProjectRules.ParseIds(v) is not null, _ => ProjectRules.IdsError);
        RuleFor(r => r.Label).Checked(v => TaskQuery.Labels(v) is not null, _ => $"label takes label names (at most {TaskQuery.MaxLabels}), comma-separated.");
        RuleFor(r => r.ParentId).Checked(v => TaskQuery.Parent(v) is not null, _ => "parent_id takes a task id, or none for top-level tasks.");
        RuleFor(r => r.Blocked).ValidFlag();
        RuleFor(r => r.BlockedBy).Checked(v => QueryValues.Id(v) is not null, _ => "blocked_by takes a task id.");
        RuleFor(r => r.Priority).Checked(v => TaskQuery.Priorities(v) is not null,
            _ => "priority takes LOW, MEDIUM, HIGH or CRITICAL, or a comma-separated list of them.");
        RuleFor(r => r.Done).ValidFlag();
        // Whoever the caller is, `me` is an assignee: any id stands for it here.
        RuleFor(r => r.AssignedUserId).Checked(v => TaskQuery.Assignees(v, me: 1) is not null,
            _ => "assigned_user_id takes user ids or me, comma-separated.");
        RuleFor(r => r.CreatedBy).Checked(v => QueryValues.Id(v) is not null, _ => "created_by takes a user id.");
        RuleFor(r => r.DueBefore).ValidDate();
        RuleFor(r => r.DueAfter).ValidDate();
        RuleFor(r => r.Overdue).ValidFlag();
        RuleFor(r => r.UpdatedSince).ValidTime();
        RuleFor(r => r.Deleted).Checked(v => TaskQuery.Deleted.Contains(v), _ => "deleted must be false, true or any.");
        RuleFor(r => r.Sort).Checked(v => TaskQuery.Sort(v) is not null,
            _ => $"sort must be one of {string.Join(", ", TaskQuery.SortKeys.Keys)}, optionally prefixed by - for descending.");
    }
}

/// <summary>The list's whole query string: its filters, then the page.</summary>
public sealed class ListTasksValidator : TaskFiltersValidator<ListTasksRequest>
{
    public ListTasksValidator()
    {
        RuleFor(r => r.Limit).ValidLimit();
    }
}

/// <summary>How the list's own parameters read, for its validator and for <see cref="TaskFilters"/>, which then
/// takes every value as checked. An unreadable value reads as null.</summary>
public static class TaskQuery
{
    public const int MaxQ = 200;
    public const int MaxLabels = 50;

    public static readonly string[] Deleted = ["false", "true", "any"];

    /// <summary>Sort keys and their SQL, in the order the error message lists them.</summary>
    public static readonly IReadOnlyDictionary<string, string> SortKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["created_at"] = "t.created_at",
        ["updated_at"] = "t.updated_at",
        ["due_date"] = "t.due_date",
        ["priority"] = "t.priority_rank",
        ["task_name"] = "t.task_name",
    };

    public static string[]? Labels(string value)
    {
        var names = value.Split(',').Select(n => n.Trim()).ToArray();
        return names.All(n => Features.Labels.LabelRules.NameError(n) is null) && names.Length <= MaxLabels ? names : null;
    }

    /// <summary>The parent's id, or 0 for `none` (top-level tasks).</summary>
    public static long? Parent(string value) => value.Trim() == "none" ? 0 : QueryValues.Id(value);

    public static string[]? Priorities(string value)
    {
        var priorities = value.Split(',').Select(p => TaskRules.NormalizePriority(p)!).ToArray();
        return priorities.All(TaskRules.Priorities.Contains) ? priorities : null;
    }

    /// <summary>User ids, `me` standing for <paramref name="me"/>.</summary>
    public static long[]? Assignees(string value, long me)
    {
        var ids = value.Split(',').Select(v => v.Trim() == "me" ? me : QueryValues.Id(v) ?? 0).ToArray();
        return ids.All(id => id > 0) ? ids : null;
    }

    /// <summary>A sort key and its direction (a leading - for descending).</summary>
    public static (string Field, bool Descending)? Sort(string value)
    {
        var descending = value.StartsWith('-');
        var field = descending ? value[1..] : value;
        return SortKeys.ContainsKey(field) ? (field, descending) : null;
    }
}
