using System.Globalization;

namespace TaskManager.Features.Tasks.ListTasks;

/// <summary>Where a keyset page of the task list continues: the last row's sort key as text (what a cursor carries),
/// and the condition for the rows after it. The list's cursors and the export's batches both walk the list this way.</summary>
public static class TaskKeyset
{
    /// <summary>The condition "after the row with this key and id" in the list's order; null when the key cannot be read.</summary>
    public static string? After(TaskFilters f, string key, long id)
    {
        f.Parameters.Add("AfterId", id);
        var op = f.Descending || f.ByRelevance ? "<" : ">";
        if (f.SortField == "due_date" && !f.ByRelevance)
        {
            // Tasks without a due date come last in both directions, ordered by id among themselves.
            if (key.Length == 0)
            {
                return $"(t.due_date IS NULL AND t.id {op} @AfterId)";
            }
            if (!DateOnly.TryParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var due))
            {
                return null;
            }
            f.Parameters.Add("AfterKey", due);
            return $"((t.due_date, t.id) {op} (@AfterKey, @AfterId) OR t.due_date IS NULL)";
        }
        object? value = f.ByRelevance ? (float.TryParse(key, NumberStyles.Float, CultureInfo.InvariantCulture, out var rank) ? rank : null)
            : f.SortField switch
            {
                "created_at" or "updated_at" => DateTime.TryParseExact(key, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : null,
                "priority" => short.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null,
                _ => key,
            };
        if (value is null)
        {
            return null;
        }
        f.Parameters.Add("AfterKey", value);
        return $"({f.SortKey}, t.id) {op} (@AfterKey, @AfterId)";
    }

    public static string KeyText(object? key) => key switch
    {
        null => "",
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        float rank => rank.ToString("R", CultureInfo.InvariantCulture),
        IFormattable other => other.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString() ?? "",
    };
}
