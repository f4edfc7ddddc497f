using System.Net.Sockets;
using System.Text;
using CsvHelper;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Why an import stopped, told apart: worth a retry, or final (then said in words of ours; a parser's own
/// message would quote the raw row).</summary>
public static class ImportFailure
{
    public const string Unexpected = "The import stopped on an unexpected error, which has been logged; rows committed before it stay.";

    /// <summary>The database or the network for a moment, or this worker stopping; anything else would fail the same way again.</summary>
    public static bool IsTransient(Exception ex, CancellationToken ct) => ex switch
    {
        OperationCanceledException => ct.IsCancellationRequested,
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException or SocketException or IOException => true,
        _ => false,
    };

    public static string Describe(Exception ex, int maxFieldChars) => ex switch
    {
        DecoderFallbackException => "The file is not valid UTF-8 text.",
        MaxFieldSizeException e => $"The file has a field longer than {maxFieldChars} characters (line {e.Context?.Parser?.Row}).",
        CsvHelperException e => $"The file could not be read as CSV (line {e.Context?.Parser?.Row}).",
        InvalidDataException e => $"The file could not be read as CSV: {e.Message}",
        _ => Unexpected,
    };
}
