using System.Text.RegularExpressions;

namespace TaskManager.Infrastructure.Http;

/// <summary>Rewrites the framework's parameter-binding messages, which quote the handler's parameter with its
/// .NET type ("Failed to bind parameter \"Nullable&lt;int&gt; Page\" from \"abc\"."), into sentences about the
/// field a client sent: "page: 'abc' is not a valid integer."</summary>
public static partial class BindingErrors
{
    private const int MaxEchoedValue = 40;

    public static string Describe(string message)
    {
        if (FailedToBind().Match(message) is { Success: true } failed)
        {
            return $"{Field(failed)}: '{Shorten(failed.Groups["value"].Value)}' is not {Expected(failed.Groups["type"].Value)}.";
        }
        if (NotProvided().Match(message) is { Success: true } missing)
        {
            return $"{Field(missing)} is required in the {missing.Groups["source"].Value}.";
        }
        // Any other message quoting a parameter keeps its sentence, with the field's name instead.
        return QuotedParameter().Replace(message, m => $"'{Field(m)}'");
    }

    // Query and route parameters are the snake_case of the handlers' names (per_page, task_id, dry_run),
    // as the validation errors' field names are.
    private static string Field(Match match) => ValidationFilter.FieldName(match.Groups["name"].Value);

    private static string Shorten(string value) => value.Length <= MaxEchoedValue ? value : value[..MaxEchoedValue] + "...";

    private static string Expected(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>') switch
    {
        "int" or "long" or "short" or "byte" or "uint" or "ulong" or "ushort" or "sbyte" => "a valid integer",
        "decimal" or "double" or "float" => "a valid number",
        "bool" => "true or false",
        "Guid" => "a valid UUID",
        "DateOnly" => "a valid date (YYYY-MM-DD)",
        "DateTime" or "DateTimeOffset" => "a valid date and time (ISO 8601)",
        _ => "a valid value",
    };

    [GeneratedRegex(@"\AFailed to bind parameter ""(?<type>[^""]+) (?<name>\w+)"" from ""(?<value>.*)""\.\z", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex(@"\ARequired parameter ""(?<type>[^""]+) (?<name>\w+)"" was not provided from (?<source>[\w ]+)\.\z")]
    private static partial Regex NotProvided();

    [GeneratedRegex(@"""(?<type>[^""]+) (?<name>\w+)""")]
    private static partial Regex QuotedParameter();
}
