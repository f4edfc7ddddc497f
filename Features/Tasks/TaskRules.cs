using FluentValidation;

namespace TaskManager.Features.Tasks;

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

    public static IRuleBuilderOptions<T, string?> ValidPriority<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsPriority).WithMessage("priority must be one of LOW, MEDIUM, HIGH, CRITICAL.");
}
