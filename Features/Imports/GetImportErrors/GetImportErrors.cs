using System.Globalization;
using System.Security.Claims;
using CsvHelper;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using TaskManager.Features.Imports.GetImport;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.Features.Imports.GetImportErrors;

/// <summary>Every row error of an import as CSV (row,column,code,message,value), streamed from the database. A cell
/// that a spreadsheet would run as a formula is neutralised with a leading apostrophe.</summary>
public static class GetImportErrorsEndpoint
{
    private const string Sql = """
        SELECT row_number, column_name, code, message, value, coalesce(value_length, length(value))
        FROM import_errors WHERE import_id = @ImportId ORDER BY row_number, column_name
        """;

    public static RouteHandlerBuilder MapGetImportErrors(this IEndpointRouteBuilder app) => app
        .MapGet("/{import_id:guid}/errors", HandleAsync)
        .WithName("GetImportErrors")
        .WithSummary("Get an import's row errors")
        .WithDescription("Every row error of an import, as CSV (uploader, admin).")
        // A Stream is a binary body in the document, so generated clients hand the caller a stream (NSwag: FileResponse)
        // instead of trying to parse CSV as JSON.
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>GET /api/v2/imports/{id}/errors: the same CSV, under v2.</summary>
    public static RouteHandlerBuilder MapGetImportErrorsV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/errors", (Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) => AnswerAsync(id, user, db, ct))
        .WithName("GetImportErrorsV2")
        .WithSummary("Get an import's row errors")
        .WithDescription("Every row error of an import, as CSV (uploader, admin).")
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static Task<Results<PushStreamHttpResult, Problem>> HandleAsync(
        [FromRoute(Name = "import_id")] Guid importId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        AnswerAsync(importId, user, db, ct);

    private static async Task<Results<PushStreamHttpResult, Problem>> AnswerAsync(
        Guid importId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            if (await GetImportHandler.CheckAccessAsync(connection, new GetImportQuery(importId, user.UserId(), user.IsInRole(Roles.Admin)), ct) is { IsOk: false } denied)
            {
                return Problem.From(denied);
            }
        }

        return TypedResults.Stream(async body =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(false));
            await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            foreach (var header in new[] { "row", "column", "code", "message", "value", "value_length" })
            {
                csv.WriteField(header);
            }
            await csv.NextRecordAsync();
            await foreach (var error in connection.QueryUnbufferedAsync<(long Row, string Column, string Code, string Message, string? Value, int? ValueLength)>(Sql, new { ImportId = importId }))
            {
                csv.WriteField(error.Row);
                csv.WriteField(CsvRows.Neutralize(error.Column));
                csv.WriteField(CsvRows.Neutralize(error.Code));
                csv.WriteField(CsvRows.Neutralize(error.Message));
                csv.WriteField(CsvRows.Neutralize(error.Value ?? ""));
                csv.WriteField(error.ValueLength);
                await csv.NextRecordAsync();
            }
        }, "text/csv; charset=utf-8", fileDownloadName: $"import-{importId}-errors.csv");
    }
}
