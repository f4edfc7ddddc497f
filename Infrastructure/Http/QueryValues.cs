using System.Globalization;

namespace TaskManager.Infrastructure.Http;

/// <summary>Query-string values of each kind, read one way: by the validator's rule, and then by the code that uses
/// the value it has checked. An unreadable value reads as null.</summary>
public static class QueryValues
{
    public static bool? Flag(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => null,
    };

    public static DateOnly? Date(string? value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>A time, UTC when it names no offset.</summary>
    public static DateTime? Time(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.UtcDateTime : null;

    /// <summary>A row id: digits only, above zero.</summary>
    public static long? Id(string? value) => Number(value) is > 0 and var id ? id : null;

    /// <summary>A whole number, digits only (as cursors carry them).</summary>
    public static long? Number(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>A present value that <paramref name="valid"/> refuses fails with the message made for the name the
    /// client sent (the property's, snake_case).</summary>
    public static IRuleBuilderOptionsConditions<T, string?> Checked<T>(this IRuleBuilder<T, string?> rule, Func<string, bool> valid,
        Func<string, string> message) => rule.Custom((value, context) =>
        {
            if (value is not null && !valid(value))
            {
                context.AddFailure(message(ValidationFilter.FieldName(context.PropertyPath)));
            }
        });

    public static IRuleBuilderOptionsConditions<T, string?> ValidFlag<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Checked(v => Flag(v) is not null, field => $"{field} must be true or false.");

    public static IRuleBuilderOptionsConditions<T, string?> ValidDate<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Checked(v => Date(v) is not null, field => $"{field} must be a date (YYYY-MM-DD).");

    public static IRuleBuilderOptionsConditions<T, string?> ValidTime<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Checked(v => Time(v) is not null, field => $"{field} must be a time (ISO 8601, such as 2025-04-01T09:30:00Z).");

    /// <summary>`limit` of a cursor-paged list (<see cref="CursorPages.Limit"/>).</summary>
    public static IRuleBuilderOptionsConditions<T, string?> ValidLimit<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Checked(v => CursorPages.Limit(v) is not null, _ => CursorPages.LimitError);

    /// <summary>`cursor`: when given, <paramref name="read"/> must find in it a position of this list and query.</summary>
    public static IRuleBuilderOptions<T, string?> ValidCursor<T>(this IRuleBuilder<T, string?> rule, Func<T, object?> read, string message) =>
        rule.Must((request, cursor) => cursor is null || read(request) is not null).WithMessage(message);
}
