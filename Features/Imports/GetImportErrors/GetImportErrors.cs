namespace TaskManager.Features.Imports.GetImportErrors;

/// <summary>Every row error of an import as CSV (row,column,code,message,value), read in keyset batches (CsvDownloads), so a slow reader holds no database connection. A cell
/// that a spreadsheet would run as a formula is neutralised with a leading apostrophe.</summary>
public static class GetImportErrorsEndpoint
{
    private const string Sql = """
        SELECT row_number, column_name, code, message, value, coalesce(value_length, length(value)) AS value_length
        FROM import_errors
        WHERE import_id = @ImportId AND (row_number, column_name) > (@AfterRow, @AfterColumn)
        ORDER BY row_number, column_name
        LIMIT @BatchRows
        """;

    private static readonly string[] Header = ["row", "column", "code", "message", "value", "value_length"];

    public static RouteHandlerBuilder MapGetImportErrors(this IEndpointRouteBuilder app) => app
        .MapGet("/{import_id:guid}/errors", HandleAsync)
        .WithName("GetImportErrors")
        .DescribedAsImportErrors();

    /// <summary>What v1's route and v2's alike declare.</summary>
    internal static RouteHandlerBuilder DescribedAsImportErrors(this RouteHandlerBuilder route) => route
        .WithSummary("Get an import's row errors")
        .WithDescription("Every row error of an import, as CSV (uploader, admin).")
        // A Stream is a binary body in the document, so generated clients hand the caller a stream (NSwag: FileResponse)
        // instead of trying to parse CSV as JSON.
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static Task<Results<PushStreamHttpResult, Problem>> HandleAsync(
        [FromRoute(Name = "import_id")] Guid importId, ClaimsPrincipal user, NpgsqlDataSource db, CsvDownloads downloads, HttpContext http) =>
        StreamAsync(importId, user, db, downloads, http);

    /// <summary>The CSV, for v1's route and v2's alike.</summary>
    internal static async Task<Results<PushStreamHttpResult, Problem>> StreamAsync(
        Guid importId, ClaimsPrincipal user, NpgsqlDataSource db, CsvDownloads downloads, HttpContext http)
    {
        await using (var connection = await db.OpenConnectionAsync(http.RequestAborted))
        {
            if (await ImportAccess.CheckAsync(connection, importId, Caller.From(user), http.RequestAborted) is { IsOk: false } denied)
            {
                return Problem.From(denied);
            }
        }

        return downloads.Stream<ErrorRow>(http, user.UserId(), $"import-{importId}-errors.csv", Header, async (last, limit, ct) =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            var parameters = new { ImportId = importId, AfterRow = last?.RowNumber ?? -1, AfterColumn = last?.ColumnName ?? "", BatchRows = limit };
            return (await connection.QueryAsync<ErrorRow>(new CommandDefinition(Sql, parameters, cancellationToken: ct))).AsList();
        }, (csv, error) =>
        {
            csv.WriteField(error.RowNumber);
            csv.WriteField(CsvRows.Neutralize(error.ColumnName));
            csv.WriteField(CsvRows.Neutralize(error.Code));
            csv.WriteField(CsvRows.Neutralize(error.Message));
            csv.WriteField(CsvRows.Neutralize(error.Value ?? ""));
            csv.WriteField(error.ValueLength);
        });
    }

    private sealed class ErrorRow
    {
        public long RowNumber { get; init; }
        public string ColumnName { get; init; } = "";
        public string Code { get; init; } = "";
        public string Message { get; init; } = "";
        public string? Value { get; init; }
        public int? ValueLength { get; init; }
    }
}
