using System.Globalization;

namespace TaskManager.Features.Tasks;

/// <summary>What a valid task is: its priorities and the validation rules its fields share in every slice.</summary>
public static class TaskRules
{
    public static readonly string[] Priorities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

    /// <summary>Priorities are accepted in any case and stored upper case.</summary>
    public static string? NormalizePriority(string? priority) => priority?.Trim().ToUpperInvariant();

    public static bool IsPriority(string? priority) => Priorities.Contains(NormalizePriority(priority));

    // Lengths count characters (Unicode scalar values), as PostgreSQL's varchar and length() do, not UTF-16 units. The
    // limits are the columns' (migration V6); every path in (JSON, merge patch, CSV) checks them here.
    public const int MaxNameCharacters = 255;
    public const int MaxDescriptionCharacters = 10_000;

    public static readonly string NameMessage =
        string.Create(CultureInfo.InvariantCulture, $"task_name must be 1 to {MaxNameCharacters} characters long (after trimming).");
    public static readonly string DescriptionMessage =
        string.Create(CultureInfo.InvariantCulture, $"description must be at most {MaxDescriptionCharacters:N0} characters long.");

    /// <summary>A merge patch may also clear the description.</summary>
    public static readonly string DescriptionOrNullMessage = DescriptionMessage[..^1] + ", or null.";

    /// <summary>"LOW, MEDIUM, HIGH, CRITICAL", as every message about a priority lists them.</summary>
    public static readonly string PriorityList = string.Join(", ", Priorities);

    public static readonly string PriorityMessage = $"priority must be one of {PriorityList}.";

    // NUL is refused here too: a bound body meets the ValidationFilter's NUL check first, a merge patch only these rules.
    /// <summary>A task name, trimmed, is 1 to 255 characters.</summary>
    public static bool IsName(string? name) => name is not null && !name.Contains('\0') && Characters(name.Trim()) is >= 1 and <= MaxNameCharacters;

    public static bool IsDescription(string? description) =>
        description is null || (!description.Contains('\0') && Characters(description) <= MaxDescriptionCharacters);

    public static IRuleBuilderOptions<T, string?> ValidTaskName<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsName).WithMessage(NameMessage);

    public static IRuleBuilderOptions<T, string?> ValidDescription<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsDescription).WithMessage(DescriptionMessage);

    private static int Characters(string text) => text.EnumerateRunes().Count();

    /// <summary>Why <paramref name="ids"/> cannot be a task's blocked_by, or null.</summary>
    public static string? BlockedByError(IReadOnlyCollection<long> ids) =>
        ids.Count > TaskStructure.MaxBlockers ? $"blocked_by holds at most {TaskStructure.MaxBlockers} task ids."
        : ids.Any(id => id <= 0) ? "blocked_by must be a list of task ids." : null;

    public static IRuleBuilderOptionsConditions<T, long[]?> ValidBlockedBy<T>(this IRuleBuilder<T, long[]?> rule) => rule.Custom((ids, context) =>
    {
        if (ids is not null && BlockedByError(ids) is { } error)
        {
            context.AddFailure("blocked_by", error);
        }
    });

    public static IRuleBuilderOptions<T, long?> ValidAssignee<T>(this IRuleBuilder<T, long?> rule) => rule
        .GreaterThan(0).WithMessage("assigned_user_id must be a user id.");

    public static IRuleBuilderOptions<T, long?> ValidParentId<T>(this IRuleBuilder<T, long?> rule) => rule
        .GreaterThan(0).WithMessage("parent_id must be a task id.");

    public static IRuleBuilderOptions<T, string?> ValidPriority<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsPriority).WithMessage(PriorityMessage);
}
