using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TaskManager.Features.Tasks.ListTasks;

/// <summary>The list's filters and order, checked by the validator already, turned into SQL. Every value is a
/// parameter; only fixed fragments chosen from the checked values are put into the text.</summary>
public sealed class TaskFilters
{
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
    public int Limit { get; private set; } = CursorPages.DefaultLimit;
    /// <summary>The checked query in one canonical string: what a cursor is bound to.</summary>
    public string Fingerprint { get; private set; } = "";

    /// <summary>The caller's scope: tasks of projects it may not read are left out. Not part of the fingerprint (a
    /// cursor stays good when the caller joins a project), but part of every cache key.</summary>
    public string ScopeKey { get; private set; } = "";

    /// <summary>The filters of a request its validator has passed.</summary>
    public static TaskFilters From(ListTasksRequest r, long callerId, Scope scope)
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
            Add("Q", r.Q.Trim(), "t.search @@ websearch_to_tsquery('simple', @Q)");
            f.Searches = true;
        }
        if (r.ProjectId is not null)
        {
            // A project the caller may not read matches nothing: the scope's condition leaves its tasks out.
            Add("ProjectIds", ProjectRules.ParseIds(r.ProjectId)!, "t.project_id = ANY(@ProjectIds)");
        }
        if (r.Label is not null)
        {
            var names = TaskQuery.Labels(r.Label)!;
            // Any of the names, in whichever readable project: the task's filter keys (V26). The one value written into
            // the text, as quoted literals: a parameter would let a reused (generic) plan guess how many tasks carry
            // the label, and a common label then costs a scan of all of them on every page.
            where.Add($"t.label_keys && ARRAY[{string.Join(", ", names.Select(n => $"lower({DollarQuoted(n)})"))}]::text[]");
            canonical.Append("label=").Append(JsonSerializer.Serialize(string.Join(",", names))).Append(';');
        }
        if (r.ParentId is not null)
        {
            if (TaskQuery.Parent(r.ParentId) is long parent and > 0)
            {
                Add("ParentId", parent, "t.parent_id = @ParentId");
            }
            else
            {
                Add("TopLevel", true, "t.parent_id IS NULL");
            }
        }
        if (QueryValues.Flag(r.Blocked) is { } blocked)
        {
            Add("Blocked", blocked, $"{TaskSql.Blocked} = @Blocked");
        }
        if (QueryValues.Id(r.BlockedBy) is { } blocker)
        {
            Add("BlockedBy", blocker, "t.blocked_by @> ARRAY[@BlockedBy::bigint]");
        }
        if (r.Priority is not null)
        {
            Add("Priorities", TaskQuery.Priorities(r.Priority)!, "t.priority = ANY(@Priorities)");
        }
        if (QueryValues.Flag(r.Done) is { } done)
        {
            Add("Done", done, "t.done = @Done");
        }
        if (r.AssignedUserId is not null)
        {
            Add("Assignees", TaskQuery.Assignees(r.AssignedUserId, callerId)!, "t.assigned_user_id = ANY(@Assignees)");
        }
        if (QueryValues.Id(r.CreatedBy) is { } creator)
        {
            Add("CreatedBy", creator, "t.created_by = @CreatedBy");
        }
        if (QueryValues.Date(r.DueBefore) is { } before)
        {
            Add("DueBefore", before, "t.due_date < @DueBefore");
        }
        if (QueryValues.Date(r.DueAfter) is { } after)
        {
            Add("DueAfter", after, "t.due_date > @DueAfter");
        }
        const string IsOverdue = "(t.due_date < (now() AT TIME ZONE 'utc')::date AND NOT t.done)";
        if (QueryValues.Flag(r.Overdue) is { } overdue)
        {
            Add("Overdue", overdue, $"coalesce({IsOverdue}, false) = @Overdue");
        }
        if (QueryValues.Time(r.UpdatedSince) is { } since)
        {
            Add("UpdatedSince", since, "t.updated_at >= @UpdatedSince");
        }
        switch (r.Deleted ?? "false")
        {
            case "false": where.Add("t.status"); break;
            case "true": where.Add("NOT t.status"); break;
        }
        canonical.Append("deleted=").Append(r.Deleted ?? "false").Append(';');
        if (r.Sort is null)
        {
            f.ByRelevance = !string.IsNullOrWhiteSpace(r.Q);
        }
        else
        {
            (f.SortField, f.Descending) = TaskQuery.Sort(r.Sort)!.Value;
        }
        canonical.Append("sort=").Append(f.ByRelevance ? "relevance" : (f.Descending ? "-" : "") + f.SortField);
        f.Limit = CursorPages.Limit(r.Limit) ?? CursorPages.DefaultLimit;
        f.Where = string.Join(" AND ", where);
        f.Fingerprint = canonical.ToString();
        return f;
    }

    /// <summary>The text-search rank, best first. Weights are D, C, B (description), A (name): a name's match is worth
    /// ten of a description's, enough to stay ahead after dividing by 1 + the log of the task's length (normalization
    /// 1), which puts a short task above a long one that matches as well. bench/pgbench/v2-search.sql repeats it.</summary>
    private const string Rank = "ts_rank('{0.1, 0.2, 0.1, 1.0}', t.search, websearch_to_tsquery('simple', @Q), 1)";

    /// <summary>The sort key's SQL expression (relevance: the text-search rank).</summary>
    public string SortKey => ByRelevance ? Rank : TaskQuery.SortKeys[SortField];

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
