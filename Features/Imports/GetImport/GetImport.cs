namespace TaskManager.Features.Imports.GetImport;

/// <summary>One problem of one row; `value` is the cell as the file had it, cut to its first characters when long
/// (`value_length` is the cell's full length).</summary>
public sealed record ImportError(long Row, string Column, string Code, string Message, string? Value, int? ValueLength);

public sealed record ImportStatusResponse
{
    public required Guid ImportId { get; init; }

    /// <summary>The project every row lands in.</summary>
    public required long ProjectId { get; init; }
    public required string Status { get; init; }
    public required string Mode { get; init; }
    public required string FileName { get; init; }
    public required long RowsTotal { get; init; }
    public required long RowsProcessed { get; init; }
    public required long TasksCreated { get; init; }
    public required long RowsFailed { get; init; }
    public string? Failure { get; init; }
    public required DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public IReadOnlyList<ImportError> Errors { get; init; } = [];
    /// <summary>True when `errors` lists only the first ones; /errors has them all.</summary>
    public bool ErrorsTruncated { get; init; }
    public string ErrorsUrl => $"/api/imports/{ImportId}/errors";
}

/// <summary>An import is read by its uploader and by admins, and only while its project is one they may read.</summary>
public sealed record GetImportQuery(Guid ImportId, long CallerId, bool CallerIsAdmin) : IQuery<Outcome<ImportStatusResponse>>;

public sealed class GetImportHandler(NpgsqlDataSource db, IOptions<ImportOptions> options) : IQueryHandler<GetImportQuery, Outcome<ImportStatusResponse>>
{
    private const string Sql = $"""
        SELECT id AS import_id, project_id, status, mode, file_name, rows_total, rows_processed, tasks_created, rows_failed, failure,
               created_at, started_at, finished_at
        FROM imports WHERE id = @ImportId AND (requested_by = @CallerId OR @CallerIsAdmin) AND {ImportAccess.Readable};

        SELECT row_number AS row, column_name AS column, code, message, value, coalesce(value_length, length(value)) AS value_length
        FROM import_errors
        WHERE import_id = @ImportId ORDER BY row_number, column_name LIMIT @Limit;
        """;

    public async ValueTask<Outcome<ImportStatusResponse>> Handle(GetImportQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var limit = options.Value.ErrorsInStatus;
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { query.ImportId, query.CallerId, query.CallerIsAdmin, Limit = limit + 1 }, cancellationToken: ct));
        var import = await results.ReadSingleOrDefaultAsync<ImportStatusResponse>();
        var errors = (await results.ReadAsync<ImportError>()).AsList();
        if (import is null)
        {
            var denied = await ImportAccess.CheckAsync(connection, query.ImportId, new Caller(query.CallerId, query.CallerIsAdmin), ct);
            return new Outcome<ImportStatusResponse>(denied.Status, null, denied.Error);
        }
        return import with { Errors = errors.Take(limit).ToList(), ErrorsTruncated = errors.Count > limit };
    }
}

public static class GetImportEndpoint
{
    public static RouteHandlerBuilder MapGetImport(this IEndpointRouteBuilder app) => app
        .MapGet("/{import_id:guid}", HandleAsync)
        .WithName("GetImport")
        .WithSummary("Get an import")
        .WithDescription("An import's progress and outcome, with its first row errors (uploader, admin).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ImportStatusResponse>, Problem>> HandleAsync(
        [FromRoute(Name = "import_id")] Guid importId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetImportQuery(importId, user.UserId(), user.IsInRole(Roles.Admin)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
