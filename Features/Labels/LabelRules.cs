using System.Text.RegularExpressions;

namespace TaskManager.Features.Labels;

/// <summary>What a valid label is, wherever a name or colour arrives: the label routes, a task's `labels`, a CSV column.</summary>
public static partial class LabelRules
{
    public const int MaxName = 50;

    /// <summary>Why <paramref name="name"/> (trimmed) cannot name a label, or null. ',' separates names in the `label` filter
    /// and ';' in the CSV column, so neither can be part of one.</summary>
    public static string? NameError(string? name) => name?.Trim() switch
    {
        null or { Length: 0 } => "A label name must not be empty.",
        var n when n.EnumerateRunes().Count() > MaxName => $"A label name must be at most {MaxName} characters long.",
        var n when n.Any(c => c is ',' or ';' || char.IsControl(c)) => "A label name must not contain ',', ';' or control characters.",
        var n when n.EnumerateRunes().Any(r => r == System.Text.Rune.ReplacementChar) && !n.Contains('\uFFFD') => "A label name must be whole characters (no lone surrogate).",
        _ => null,
    };

    /// <summary>Why <paramref name="names"/> cannot be a task's labels, or null.</summary>
    public static string? NamesError(IReadOnlyList<string?> names) =>
        names.Count > Tasks.TaskStructure.MaxLabelsPerTask
            ? $"labels holds at most {Tasks.TaskStructure.MaxLabelsPerTask} names."
            : names.Select(NameError).FirstOrDefault(e => e is not null) is { } error ? $"labels: {error}" : null;

    /// <summary>The names as stored: trimmed.</summary>
    public static string[] Normalize(IEnumerable<string?> names) => [.. names.Select(n => n!.Trim())];

    public static bool IsColor(string? color) => color is null || ColorPattern().IsMatch(color);

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();

    public const string ColorError = "color must be #rrggbb (six hex digits) or null.";

    public static IRuleBuilderOptions<T, string?> ValidLabelName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(n => NameError(n) is null).WithMessage((_, n) => NameError(n)!);

    public static IRuleBuilderOptions<T, string?> ValidColor<T>(this IRuleBuilder<T, string?> rule) => rule.Must(IsColor).WithMessage(ColorError);

    public static IRuleBuilderOptionsConditions<T, string[]?> ValidLabels<T>(this IRuleBuilder<T, string[]?> rule) => rule.Custom((names, context) =>
    {
        if (names is not null && NamesError(names) is { } error)
        {
            context.AddFailure("labels", error);
        }
    });
}
