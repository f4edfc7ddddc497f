using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TaskManager.Features.Tasks.ListTasks;

/// <summary>The query string of GET /api/v2/tasks (and its export). Unknown parameters are ignored.</summary>
public sealed record ListTasksRequest(
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "priority")] string? Priority,
    [property: FromQuery(Name = "done")] string? Done,
    [property: FromQuery(Name = "assigned_user_id")] string? AssignedUserId,
    [property: FromQuery(Name = "created_by")] string? CreatedBy,
    [property: FromQuery(Name = "due_before")] string? DueBefore,
    [property: FromQuery(Name = "due_after")] string? DueAfter,
    [property: FromQuery(Name = "overdue")] string? Overdue,
    [property: FromQuery(Name = "updated_since")] string? UpdatedSince,
    [property: FromQuery(Name = "deleted")] string? Deleted,
    [property: FromQuery(Name = "sort")] string? Sort,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "project_id")] string? ProjectId = null,
    [property: FromQuery(Name = "label")] string? Label = null,
    [property: FromQuery(Name = "parent_id")] string? ParentId = null,
    [property: FromQuery(Name = "blocked")] string? Blocked = null,
    [property: FromQuery(Name = "blocked_by")] string? BlockedBy = null);

/// <summary>The list's filters and order, checked and turned into SQL. Every value is a parameter; only fixed
/// fragments chosen from the checked values are put into the text.</summary>
public sealed class TaskFilters
{
    private static readonly Dictionary<string, string> SortKeys = new(StringComparer.Ordinal)
    {
        ["created_at"] = "t.created_at",
        ["updated_at"] = "t.updated_at",
        ["due_date"] = "t.due_date",
        ["priority"] = "t.priority_rank",
        ["task_name"] = "t.task_name",
    };

    public Dictionary<string, string[]> Errors { get; } = [];
    public DynamicParameters Parameters { get; } = new();
    public string Where { get; private set; } = "";
    public string SortField { get; private set; } = "updated_at";
    public bool Descending { get; private set; } = true;
    public bool ByRelevance { get; private set; }
    /// <summary>Whether q asks for words: such a list is a search, not a view a client polls.</summary>
    public bool Searches { get; private set; }
    /// <summary>Whether a first page is worth caching: not a search, and not a sync poll whose updated_since moves with
    /// every call (each would be an entry read once, and a client could fill the cache with them).</summary>
    public bool Cacheable => !Searches && !Parameters.ParameterNames.Contains("UpdatedSince");
    public int Limit { get; private set; } = 20;
    /// <summary>The checked query in one canonical string: what a cursor is bound to.</summary>
    public string Fingerprint { get; private set; } = "";

    /// <summary>The caller's scope: tasks of projects it may not read are left out. Not part of the fingerprint (a
    /// cursor stays good when the caller joins a project), but part of every cache key.</summary>
    public string ScopeKey { get; private set; } = "";

    public static TaskFilters Parse(ListTasksRequest r, long callerId, Scope scope)
    {
        var f = new TaskFilters { ScopeKey = scope.Key };
        var where = new List<string>();
        if (scope.HidesAny)
        {
            f.Parameters.Add("HiddenProjects", scope.HiddenProjects);
            where.Add(ProjectScope.TaskCondition);
        }
        var canonical = new StringBuilder();
        void Add(string name, object? value, string condition)
        {
            f.Parameters.Add(name, value);
            where.Add(condition);
            // Each value as a JSON string: no q can pose as another filter, and times keep their fractions.
            canonical.Append(name).Append('=').Append(JsonSerializer.Serialize(Text(value))).Append(';');
        }

        if (!string.IsNullOrWhiteSpace(r.Q))
        {
            if (r.Q.Length > 200)
            {
                f.Fail("q", "q must be at most 200 characters long.");
            }
            Add("Q", r.Q.Trim(), "t.search @@ websearch_to_tsquery('simple', @Q)");
            f.Searches = true;
        }
        if (r.ProjectId is not null)
        {
            if (ProjectRules.ParseIds(r.ProjectId) is { } projects)
            {
                // A project the caller may not read matches nothing: the scope's condition leaves its tasks out.
                Add("ProjectIds", projects, "t.project_id = ANY(@ProjectIds)");
            }
            else
            {
                f.Fail("project_id", ProjectRules.IdsError);
            }
        }
        if (r.Label is not null)
        {
            var names = r.Label.Split(',').Select(n => n.Trim()).ToArray();
            if (names.All(n => Labels.LabelRules.NameError(n) is null) && names.Length <= 50)
            {
                // Any of the names, in whichever readable project: the task's filter keys (V26). The one value written into
                // the text, as quoted literals: a parameter would let a reused (generic) plan guess how many tasks carry
                // the label, and a common label then costs a scan of all of them on every page.
                where.Add($"t.label_keys && ARRAY[{string.Join(", ", names.Select(n => $"lower({DollarQuoted(n)})"))}]::text[]");
                canonical.Append("label=").Append(JsonSerializer.Serialize(string.Join(",", names))).Append(';');
            }
            else
            {
                f.Fail("label", "label takes label names (at most 50), comma-separated.");
            }
        }
        if (r.ParentId is not null)
        {
            if (r.ParentId.Trim() == "none")
            {
                Add("TopLevel", true, "t.parent_id IS NULL");
            }
            else if (long.TryParse(r.ParentId, NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && parent > 0)
            {
                Add("ParentId", parent, "t.parent_id = @ParentId");
            }
            else
            {
                f.Fail("parent_id", "parent_id takes a task id, or none for top-level tasks.");
            }
        }
        if (f.Boolean(r.Blocked, "blocked") is { } blocked)
        {
            Add("Blocked", blocked, $"{TaskSql.Blocked} = @Blocked");
        }
        if (r.BlockedBy is not null)
        {
            if (long.TryParse(r.BlockedBy, NumberStyles.None, CultureInfo.InvariantCulture, out var blocker) && blocker > 0)
            {
                Add("BlockedBy", blocker, "t.blocked_by @> ARRAY[@BlockedBy::bigint]");
            }
            else
            {
                f.Fail("blocked_by", "blocked_by takes a task id.");
            }
        }
        if (r.Priority is not null)
        {
            var priorities = r.Priority.Split(',').Select(p => TaskRules.NormalizePriority(p)!).ToArray();
            if (priorities.All(TaskRules.Priorities.Contains))
            {
                Add("Priorities", priorities, "t.priority = ANY(@Priorities)");
            }
            else
            {
                f.Fail("priority", "priority takes LOW, MEDIUM, HIGH or CRITICAL, or a comma-separated list of them.");
            }
        }
        if (f.Boolean(r.Done, "done") is { } done)
        {
            Add("Done", done, "t.done = @Done");
        }
        if (r.AssignedUserId is not null)
        {
            var ids = r.AssignedUserId.Split(',').Select(v => v.Trim() == "me" ? callerId : long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : -1).ToArray();
            if (ids.All(id => id > 0))
            {
                Add("Assignees", ids, "t.assigned_user_id = ANY(@Assignees)");
            }
            else
            {
                f.Fail("assigned_user_id", "assigned_user_id takes user ids or me, comma-separated.");
            }
        }
        if (r.CreatedBy is not null)
        {
            if (long.TryParse(r.CreatedBy, NumberStyles.None, CultureInfo.InvariantCulture, out var creator) && creator > 0)
            {
                Add("CreatedBy", creator, "t.created_by = @CreatedBy");
            }
            else
            {
                f.Fail("created_by", "created_by takes a user id.");
            }
        }
        if (f.Date(r.DueBefore, "due_before") is { } before)
        {
            Add("DueBefore", before, "t.due_date < @DueBefore");
        }
        if (f.Date(r.DueAfter, "due_after") is { } after)
        {
            Add("DueAfter", after, "t.due_date > @DueAfter");
        }
        const string IsOverdue = "(t.due_date < (now() AT TIME ZONE 'utc')::date AND NOT t.done)";
        if (f.Boolean(r.Overdue, "overdue") is { } overdue)
        {
            Add("Overdue", overdue, $"coalesce({IsOverdue}, false) = @Overdue");
        }
        if (r.UpdatedSince is not null)
        {
            if (DateTimeOffset.TryParse(r.UpdatedSince, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
            {
                Add("UpdatedSince", since.UtcDateTime, "t.updated_at >= @UpdatedSince");
            }
            else
            {
                f.Fail("updated_since", "updated_since must be a time (ISO 8601, such as 2025-04-01T09:30:00Z).");
            }
        }
        switch (r.Deleted ?? "false")
        {
            case "false": where.Add("t.status"); break;
            case "true": where.Add("NOT t.status"); break;
            case "any": break;
            default: f.Fail("deleted", "deleted must be false, true or any."); break;
        }
        canonical.Append("deleted=").Append(r.Deleted ?? "false").Append(';');
        f.ParseSort(r.Sort, r.Q);
        canonical.Append("sort=").Append(f.ByRelevance ? "relevance" : (f.Descending ? "-" : "") + f.SortField);
        if (Infrastructure.Http.CursorPages.Limit(r.Limit) is { } limit)
        {
            f.Limit = limit;
        }
        else
        {
            f.Fail("limit", Infrastructure.Http.CursorPages.LimitError);
        }
        f.Where = string.Join(" AND ", where);
        f.Fingerprint = canonical.ToString();
        return f;
    }

    private void ParseSort(string? sort, string? q)
    {
        if (sort is null)
        {
            ByRelevance = !string.IsNullOrWhiteSpace(q);
            return;
        }
        Descending = sort.StartsWith('-');
        var field = Descending ? sort[1..] : sort;
        if (SortKeys.ContainsKey(field))
        {
            SortField = field;
        }
        else
        {
            Fail("sort", "sort must be one of created_at, updated_at, due_date, priority, task_name, optionally prefixed by - for descending.");
        }
    }

    /// <summary>The text-search rank, best first. Weights are D, C, B (description), A (name): a name's match is worth
    /// ten of a description's, enough to stay ahead after dividing by 1 + the log of the task's length (normalization
    /// 1), which puts a short task above a long one that matches as well. bench/pgbench/v2-search.sql repeats it.</summary>
    private const string Rank = "ts_rank('{0.1, 0.2, 0.1, 1.0}', t.search, websearch_to_tsquery('simple', @Q), 1)";

    /// <summary>The sort key's SQL expression (relevance: the text-search rank).</summary>
    public string SortKey => ByRelevance ? Rank : SortKeys[SortField];

    /// <summary>The list's ORDER BY: the key, then id in the same direction; tasks without a due date last either way.</summary>
    public string OrderBy
    {
        get
        {
            var direction = Descending || ByRelevance ? "DESC" : "ASC";
            var nulls = SortField == "due_date" && !ByRelevance ? " NULLS LAST" : "";
            return $"{SortKey} {direction}{nulls}, t.id {direction}";
        }
    }

    private bool? Boolean(string? value, string field)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null: return null;
            case "true" or "1": return true;
            case "false" or "0": return false;
            default: Fail(field, $"{field} must be true or false."); return null;
        }
    }

    private DateOnly? Date(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        Fail(field, $"{field} must be a date (YYYY-MM-DD).");
        return null;
    }

    private void Fail(string field, string message) => Errors[field] = [message];

    /// <summary>A string literal that no server setting reads escapes in: dollar-quoted with a tag the text does not hold.</summary>
    private static string DollarQuoted(string text)
    {
        var tag = "$l$";
        for (var i = 0; text.Contains(tag, StringComparison.Ordinal); i++)
        {
            tag = $"$l{i}$";
        }
        return tag + text + tag;
    }

    private static string Text(object? value) => value switch
    {
        Array values => string.Join(",", values.Cast<object>().Select(Text)),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
