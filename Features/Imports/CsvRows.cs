using System.Globalization;
using TaskManager.Features.Tasks;

namespace TaskManager.Features.Imports;

public sealed record RowError(long Row, string Column, string Code, string Message, string? Value);

/// <summary>A data row that passed every rule, ready to become a task.</summary>
public sealed record ValidRow(long Row, string TaskName, string? Description, bool Status, string Priority, DateTime CreatedAt, long AssignedUserId);

/// <summary>The CSV format of imports (the seed's): which columns there are, and the rules of each row.</summary>
public static class CsvRows
{
    public static readonly string[] Columns = ["task_name", "description", "status", "priority", "created_at", "assigned_user"];

    /// <summary>Columns a file must have; the others may be absent and take their defaults.</summary>
    public static readonly string[] RequiredColumns = ["task_name", "priority"];

    private static readonly string[] DateFormats = ["M/d/yyyy", "yyyy-MM-dd"];

    /// <summary>The index of each known column in the header (case-insensitive; extra columns are ignored).</summary>
    public static Dictionary<string, int> MapHeader(IReadOnlyList<string> header)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim().ToLowerInvariant();
            if (Columns.Contains(name) && !map.ContainsKey(name))
            {
                map[name] = i;
            }
        }
        return map;
    }

    public static string[] MissingColumns(Dictionary<string, int> map) => RequiredColumns.Where(c => !map.ContainsKey(c)).ToArray();

    /// <summary>Checks one row; returns the task it makes, or every error it has.</summary>
    public static (ValidRow? Row, List<RowError>? Errors) Parse(long row, Func<string, string?> field,
        IReadOnlyDictionary<string, long> userIds, long uploaderId, DateTime now)
    {
        List<RowError>? errors = null;
        void Fail(string column, string code, string message) => (errors ??= []).Add(new RowError(row, column, code, message, field(column)));

        var name = field("task_name")?.Trim() ?? "";
        var nameLength = name.EnumerateRunes().Count();
        if (nameLength == 0)
        {
            Fail("task_name", "required", "task_name is required.");
        }
        else if (nameLength > 255)
        {
            Fail("task_name", "too_long", "task_name must be at most 255 characters long.");
        }

        var description = field("description");
        if (description is not null && description.EnumerateRunes().Count() > 10_000)
        {
            Fail("description", "too_long", "description must be at most 10,000 characters long.");
        }

        bool status = true;
        var statusText = field("status")?.Trim().ToLowerInvariant() ?? "";
        switch (statusText)
        {
            case "" or "true" or "yes" or "1": status = true; break;
            case "false" or "no" or "0": status = false; break;
            default: Fail("status", "invalid_status", $"status '{field("status")}' is not one of TRUE, FALSE, yes, no, 1, 0 or empty."); break;
        }

        var priority = TaskRules.NormalizePriority(field("priority")) ?? "";
        if (!TaskRules.Priorities.Contains(priority))
        {
            Fail("priority", "invalid_priority", $"priority '{field("priority")}' is not one of LOW, MEDIUM, HIGH, CRITICAL.");
        }

        var createdAt = now;
        var createdText = field("created_at")?.Trim() ?? "";
        if (createdText.Length > 0)
        {
            if (DateTime.TryParseExact(createdText, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            {
                createdAt = DateTime.SpecifyKind(date, DateTimeKind.Utc);
            }
            else
            {
                Fail("created_at", "invalid_date", $"created_at '{createdText}' is not a date in M/D/YYYY or YYYY-MM-DD.");
            }
        }

        var assignee = uploaderId;
        var username = field("assigned_user")?.Trim() ?? "";
        if (username.Length > 0)
        {
            if (userIds.TryGetValue(username.ToLowerInvariant(), out var id))
            {
                assignee = id;
            }
            else
            {
                // An import never creates accounts.
                Fail("assigned_user", "unknown_user", $"assigned_user '{username}' is not an existing username.");
            }
        }

        return errors is null
            ? (new ValidRow(row, name, description, status, priority, createdAt, assignee), null)
            : (null, errors);
    }

    /// <summary>A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    public static string Neutralize(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}
