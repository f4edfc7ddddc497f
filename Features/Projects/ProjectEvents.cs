using System.Text.Json;
using MassTransit;

namespace TaskManager.Features.Projects;

/// <summary>A project was created, changed, deleted, or a member was added, changed or removed. Written to the outbox in
/// the statement of the change itself (project_changed_event, migration V17); webhooks deliver it.</summary>
[MessageUrn("taskmanager:projects:project-changed:v1")]
[EntityName("taskmanager.project-changed")]
public sealed record ProjectChanged
{
    public required long ProjectId { get; init; }
    public required string Action { get; init; }

    /// <summary>The project as v2 shows it after the change (before it, for a deletion), without the caller's role.</summary>
    public required JsonElement Project { get; init; }

    /// <summary>The member, for the member actions.</summary>
    public JsonElement? Member { get; init; }

    /// <summary>Who could read the private project then (its members): a project deleted before its events fan out
    /// cannot be asked afterwards.</summary>
    public long[]? Readers { get; init; }

    public long? ModifiedBy { get; init; }
    public required DateTime ChangedAt { get; init; }

    /// <summary>The change's position in the feed (migration V24); none on messages written before it.</summary>
    public string? ChangePosition { get; init; }
}

public static class ProjectActions
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";
    public const string MemberAdded = "member_added";
    public const string MemberChanged = "member_changed";
    public const string MemberRemoved = "member_removed";
}

/// <summary>The outbox row of a project change, for the CTE that makes the change: `ev AS ({Outbox(...)})`.</summary>
public static class ProjectEventSql
{
    /// <summary>Inserts the event of each row of <paramref name="from"/> (a FROM clause giving the project row as
    /// <paramref name="project"/> and, for member actions, the member row as <paramref name="member"/>).</summary>
    public static string Outbox(string action, string project, string from, string? member = null) => $"""
        INSERT INTO outbox_messages (message_type, body)
        SELECT 'project-changed', project_changed_event({action}, {project}, {(member is null ? "NULL" : $"project_member_resource({member})")}, @CallerId)
        FROM {from}
        """;
}
