using System.Text.Json;

namespace TaskManager.Features.Tasks;

/// <summary>An audit entry as v2 answers it: v1's, with its own id and its task's.</summary>
public sealed record AuditEntry(long Id, long TaskId, string Action, JsonElement Changes, bool? PreviousStatus, bool? NewStatus,
    string? ModifiedBy, long? ModifiedById, DateTime ChangedAt);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? NextCursor);

/// <summary>A `task_audit a` row as a task's trail and the audit feed read it.</summary>
public sealed class AuditRow
{
    /// <summary>The select list that fills an AuditRow (the feed adds the txid).</summary>
    public const string Columns = """
        id, task_id, action, changes::text AS changes, previous_status, new_status,
        modified_by_username AS modified_by, modified_by AS modified_by_id, changed_at
        """;

    // Init properties: the feed reads one column more than a task's trail, and Dapper matches a constructor by every column.
    public long Id { get; init; }
    public long TaskId { get; init; }
    public string Action { get; init; } = "";
    public string Changes { get; init; } = "{}";
    public bool? PreviousStatus { get; init; }
    public bool? NewStatus { get; init; }
    public string? ModifiedBy { get; init; }
    public long? ModifiedById { get; init; }
    public DateTime ChangedAt { get; init; }

    /// <summary>The writing transaction (the feed's order); null in a task's trail.</summary>
    public string? Txid { get; init; }

    public AuditEntry ToEntry() => new(Id, TaskId, Action, JsonDocument.Parse(Changes).RootElement.Clone(),
        PreviousStatus, NewStatus, ModifiedBy, ModifiedById, ChangedAt);
}
