using System.Globalization;
using TaskManager.Features.Imports.GetImport;

namespace TaskManager.Features.Imports.ListImports;

public sealed record ImportsPage(IReadOnlyList<ImportStatusResponse> Imports, string? NextCursor);

public sealed record ListImportsRequest(
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null);

/// <summary>The cursor is checked by the handler: it is bound to the caller (their own imports, or an admin's all).</summary>
public sealed class ListImportsValidator : AbstractValidator<ListImportsRequest>
{
    public ListImportsValidator() => RuleFor(r => r.Limit).ValidLimit();
}

/// <summary>The caller's imports (an admin's: everyone's), newest first, each as GET /api/imports/{id} shows it.</summary>
public sealed record ListImportsQuery(long CallerId, bool CallerIsAdmin, int Limit, string? Cursor) : IQuery<Outcome<ImportsPage>>;

public sealed class ListImportsHandler(NpgsqlDataSource db, Cursors cursors, IOptions<ImportOptions> options) : IQueryHandler<ListImportsQuery, Outcome<ImportsPage>>
{
    private const string Sql = $"""
        SELECT id AS import_id, project_id, status, mode, file_name, rows_total, rows_processed, tasks_created, rows_failed, failure,
               created_at, started_at, finished_at
        FROM imports
        WHERE (requested_by = @CallerId OR @CallerIsAdmin) AND {ImportAccess.Readable}
          AND (@AfterTime::timestamptz IS NULL OR (created_at, id) < (@AfterTime, @AfterId))
        ORDER BY created_at DESC, id DESC
        LIMIT @PageSize;
        """;

    // The first errors of each import on the page, as GET /api/imports/{id} lists them.
    private const string ErrorsSql = """
        SELECT i AS import_id, e.row, e.column, e.code, e.message, e.value, e.value_length
        FROM unnest(@Ids) AS i
        CROSS JOIN LATERAL (
            SELECT row_number AS row, column_name AS column, code, message, value, coalesce(value_length, length(value)) AS value_length
            FROM import_errors WHERE import_id = i ORDER BY row_number, column_name LIMIT @ErrorLimit) e
        """;

    public async ValueTask<Outcome<ImportsPage>> Handle(ListImportsQuery query, CancellationToken ct)
    {
        var fingerprint = query.CallerIsAdmin ? "imports:all" : $"imports:{query.CallerId}";
        DateTime? afterTime = null;
        var afterId = Guid.Empty;
        if (query.Cursor is not null)
        {
            if (!cursors.TryDecodeTimeAndId(query.Cursor, fingerprint, out var after, out afterId))
            {
                return Outcome<ImportsPage>.Invalid("cursor", "cursor is not one this list gave you.");
            }
            afterTime = after;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<ImportStatusResponse>(new CommandDefinition(Sql,
            new { query.CallerId, query.CallerIsAdmin, AfterTime = afterTime, AfterId = afterId, PageSize = query.Limit + 1 }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, fingerprint,
            i => [i.CreatedAt.ToString("O", CultureInfo.InvariantCulture), i.ImportId.ToString()]);

        var limit = options.Value.ErrorsInStatus;
        var errors = (await connection.QueryAsync<(Guid ImportId, long Row, string Column, string Code, string Message, string? Value, int? ValueLength)>(
            new CommandDefinition(ErrorsSql, new { Ids = page.Select(i => i.ImportId).ToArray(), ErrorLimit = limit + 1 }, cancellationToken: ct)))
            .ToLookup(e => e.ImportId, e => new ImportError(e.Row, e.Column, e.Code, e.Message, e.Value, e.ValueLength));
        return new ImportsPage(page.Select(i => i with
        {
            Errors = errors[i.ImportId].Take(limit).ToList(),
            ErrorsTruncated = errors[i.ImportId].Count() > limit,
        }).ToList(), next);
    }
}

public static class ListImportsEndpoint
{
    public static RouteHandlerBuilder MapListImports(this IEndpointRouteBuilder app) => app
        .MapGet("", HandleAsync)
        .WithName("ListImports")
        .WithSummary("List imports")
        .WithDescription("The caller's imports, newest first (an admin sees everyone's), paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<ImportsPage>, Problem>> HandleAsync(
        [AsParameters] ListImportsRequest request, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new ListImportsQuery(user.UserId(), user.IsInRole(Roles.Admin), CursorPages.Limit(request.Limit)!.Value,
            request.Cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
