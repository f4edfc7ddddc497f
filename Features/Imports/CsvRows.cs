using System.Globalization;
using CsvHelper.Configuration;
using TaskManager.Features.Tasks;

namespace TaskManager.Features.Imports;

/// <summary>One problem of one row. Value is a bounded prefix of the cell; ValueLength its full length.</summary>
public sealed record RowError(long Row, string Column, string Code, string Message, string? Value, int? ValueLength);

/// <summary>A data row that passed every rule, ready to become a task.</summary>
public sealed record ValidRow(long Row, string TaskName, string? Description, bool Status, string Priority, DateTime CreatedAt, long AssignedUserId)
{
    public DateOnly? DueDate { get; init; }
    public bool Done { get; init; }

    /// <summary>Label names (the import creates those its project lacks).</summary>
    public string[] Labels { get; init; } = [];
}

/// <summary>The CSV format of imports (the seed's): which columns there are, and the rules of each row.</summary>
public static class CsvRows
{
    /// <summary>The seed's columns, then v2's optional ones. Any other column (the export's `id`) is ignored.</summary>
    public static readonly string[] Columns = ["task_name", "description", "status", "priority", "created_at", "assigned_user", "due_date", "done", "labels"];

    /// <summary>Columns a file must have; the others may be absent and take their defaults.</summary>
    public static readonly string[] RequiredColumns = ["task_name", "priority"];

    private static readonly string[] DateFormats = ["M/d/yyyy", "yyyy-MM-dd"];

    /// <summary>How files are read. A field longer than maxFieldChars stops the reader (CsvHelper's
    /// MaxFieldSizeException) before it fills memory.</summary>
    public static CsvConfiguration Settings(int maxFieldChars) => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        MissingFieldFound = null,
        BadDataFound = null,
        HeaderValidated = null,
        DetectColumnCountChanges = false,
        IgnoreBlankLines = true,
        MaxFieldSize = maxFieldChars,
    };

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
        IReadOnlyDictionary<string, long> userIds, long uploaderId, DateTime now, int valueChars = 200)
    {
        List<RowError>? errors = null;
        void Fail(string column, string code, string message) =>
            (errors ??= []).Add(new RowError(row, column, code, message, Shorten(field(column), valueChars), field(column)?.Length));

        foreach (var column in Columns)
        {
            if (field(column)?.Contains('\0') == true)
            {
                Fail(column, "invalid_character", $"{column} contains a NUL character.");
            }
        }
        if (errors is not null)
        {
            return (null, errors);
        }

        var name = field("task_name")?.Trim() ?? "";
        var nameLength = name.EnumerateRunes().Count();
        if (nameLength == 0)
        {
            Fail("task_name", "required", "task_name is required.");
        }
        else if (!TaskRules.IsName(name))
        {
            Fail("task_name", "too_long", TaskRules.NameMessage);
        }

        var description = field("description");
        if (!TaskRules.IsDescription(description))
        {
            Fail("description", "too_long", TaskRules.DescriptionMessage);
        }

        bool status = true;
        var statusText = field("status")?.Trim().ToLowerInvariant() ?? "";
        switch (statusText)
        {
            case "" or "true" or "yes" or "1": status = true; break;
            case "false" or "no" or "0": status = false; break;
            default: Fail("status", "invalid_status", $"status {Quote(field("status"))} is not one of TRUE, FALSE, yes, no, 1, 0 or empty."); break;
        }

        var priority = TaskRules.NormalizePriority(field("priority")) ?? "";
        if (!TaskRules.Priorities.Contains(priority))
        {
            Fail("priority", "invalid_priority", $"priority {Quote(field("priority"))} is not one of {TaskRules.PriorityList}.");
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
                Fail("created_at", "invalid_date", $"created_at {Quote(createdText)} is not a date in M/D/YYYY or YYYY-MM-DD.");
            }
        }

        DateOnly? dueDate = null;
        var dueText = field("due_date")?.Trim() ?? "";
        if (dueText.Length > 0)
        {
            if (DateOnly.TryParseExact(dueText, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var due))
            {
                dueDate = due;
            }
            else
            {
                Fail("due_date", "invalid_date", $"due_date {Quote(dueText)} is not a date in M/D/YYYY or YYYY-MM-DD.");
            }
        }

        var done = false;
        switch (field("done")?.Trim().ToLowerInvariant() ?? "")
        {
            case "" or "false" or "no" or "0": break;
            case "true" or "yes" or "1": done = true; break;
            default: Fail("done", "invalid_done", $"done {Quote(field("done"))} is not one of TRUE, FALSE, yes, no, 1, 0 or empty."); break;
        }

        var assignee = uploaderId;
        var username = field("assigned_user")?.Trim() ?? "";
        if (username.StartsWith('\'') && Neutralize(username[1..]) != username[1..])
        {
            username = username[1..]; // a name like "-bob" as an export neutralised it; names hold no apostrophes
        }
        if (username.Length > 0)
        {
            if (userIds.TryGetValue(username.ToLowerInvariant(), out var id))
            {
                assignee = id;
            }
            else
            {
                // An import never creates accounts.
                Fail("assigned_user", "unknown_user", $"assigned_user {Quote(username)} is not an existing username.");
            }
        }

        string[] labels = [];
        var labelsText = field("labels")?.Trim() ?? "";
        if (labelsText.StartsWith('\'') && Neutralize(labelsText[1..]) != labelsText[1..])
        {
            labelsText = labelsText[1..]; // as an export neutralised it
        }
        if (labelsText.Length > 0)
        {
            var names = labelsText.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (Labels.LabelRules.NamesError(names) is { } labelError)
            {
                Fail("labels", "invalid_labels", labelError);
            }
            labels = names;
        }

        return errors is null
            ? (new ValidRow(row, name, description, status, priority, createdAt, assignee) { DueDate = dueDate, Done = done, Labels = labels }, null)
            : (null, errors);
    }

    /// <summary>A cell as a row error keeps it: at most maxChars, never cutting a surrogate pair, NUL made visible.</summary>
    public static string? Shorten(string? value, int maxChars)
    {
        if (value is null)
        {
            return null;
        }
        var cut = value.Length <= maxChars ? value.Length : char.IsHighSurrogate(value[maxChars - 1]) ? maxChars - 1 : maxChars;
        return value[..cut].Replace('\0', '\uFFFD');
    }

    /// <summary>A value quoted inside a message: short, so a message never grows with the cell.</summary>
    private static string Quote(string? value) => value is { Length: > 40 } ? $"'{Shorten(value, 40)}...'" : $"'{Shorten(value, 40)}'";

    /// <summary>A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe: one whose first
    /// character is a tab or CR, or whose first non-blank character starts a formula (fullwidth forms too).</summary>
    public static string Neutralize(string value)
    {
        if (value.Length > 0 && value[0] is '\t' or '\r')
        {
            return "'" + value;
        }
        var first = value.AsSpan().TrimStart();
        return first.Length > 0 && first[0] is '=' or '+' or '-' or '@' or '\uFF1D' or '\uFF0B' or '\uFF0D' or '\uFF20' or '\u2212'
            ? "'" + value
            : value;
    }
}
