using System.Globalization;
using FluentValidation;
using Microsoft.Net.Http.Headers;

namespace TaskManager.Features.Tasks;

/// <summary>A task as it is stored: what the handlers return, whichever interface asked. Not sealed: a list reads its
/// sort key in the same row (ListTasks).</summary>
public record TaskRow
{
    public required long Id { get; init; }
    public required string TaskName { get; init; }
    public string? Description { get; init; }
    public required bool Status { get; init; }
    public required string Priority { get; init; }
    public long? AssignedUserId { get; init; }
    public string? AssignedUser { get; init; }
    public long? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateOnly? DueDate { get; init; }
    public bool Done { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? DeletedAt { get; init; }
    public int Version { get; init; }
    public long ProjectId { get; init; }
}

/// <summary>A task as the v1 routes answer it.</summary>
public sealed record TaskResponse
{
    public string? Message { get; init; }
    public required long Id { get; init; }
    public required string TaskName { get; init; }
    public string? Description { get; init; }
    public required bool Status { get; init; }
    public required string Priority { get; init; }
    public long? AssignedUserId { get; init; }
    public string? AssignedUser { get; init; }
    public long? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateOnly? DueDate { get; init; }
    public bool Done { get; init; }
    public long ProjectId { get; init; }

    public static TaskResponse From(TaskRow row, string message) => new()
    {
        Message = message,
        Id = row.Id,
        TaskName = row.TaskName,
        Description = row.Description,
        Status = row.Status,
        Priority = row.Priority,
        AssignedUserId = row.AssignedUserId,
        AssignedUser = row.AssignedUser,
        CreatedBy = row.CreatedBy,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        DueDate = row.DueDate,
        Done = row.Done,
        ProjectId = row.ProjectId,
    };
}

/// <summary>What a valid task is: its priorities and the validation rules its fields share in every slice.</summary>
public static class TaskRules
{
    public static readonly string[] Priorities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

    /// <summary>Priorities are accepted in any case and stored upper case.</summary>
    public static string? NormalizePriority(string? priority) => priority?.Trim().ToUpperInvariant();

    public static bool IsPriority(string? priority) => Priorities.Contains(NormalizePriority(priority));

    // Lengths count characters (Unicode scalar values), as PostgreSQL's varchar and length() do, not UTF-16 units.
    public static IRuleBuilderOptions<T, string?> ValidTaskName<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(name => name is not null && Characters(name.Trim()) is >= 1 and <= 255)
        .WithMessage("task_name must be 1 to 255 characters long (after trimming).");

    public static IRuleBuilderOptions<T, string?> ValidDescription<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(description => description is null || Characters(description) <= 10_000)
        .WithMessage("description must be at most 10,000 characters long.");

    private static int Characters(string text) => text.EnumerateRunes().Count();

    public static IRuleBuilderOptions<T, string?> ValidPriority<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsPriority).WithMessage("priority must be one of LOW, MEDIUM, HIGH, CRITICAL.");
}

/// <summary>The ETag of a task is its version, as a strong entity tag.</summary>
public static class TaskETag
{
    public static string For(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The versions an If-Match header accepts (RFC 9110 13.1.1): null when there is none or it is
    /// `*` (any version will do); else the versions its strong tags name. If-Match compares strongly, so a weak
    /// tag matches nothing, and neither does a header that cannot be parsed (an empty array).</summary>
    public static int[]? ExpectedVersions(string? ifMatch)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return null;
        }
        if (!EntityTagHeaderValue.TryParseList([ifMatch], out var tags))
        {
            return [];
        }
        if (tags.Any(t => t.Equals(EntityTagHeaderValue.Any)))
        {
            return null;
        }
        return tags
            .Where(t => !t.IsWeak)
            .Select(t => int.TryParse(t.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToArray();
    }
}
