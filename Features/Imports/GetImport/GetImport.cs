using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TaskManager.Features.Projects;
using TaskManager.Infrastructure.Auth;

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
    public const string AccessSql = $"SELECT (requested_by = @CallerId OR @CallerIsAdmin) FROM imports WHERE id = @ImportId AND {Readable}";

    /// <summary>The import's project is one the caller may read: otherwise the import does not exist for it.</summary>
    public const string Readable = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = imports.project_id AND {ProjectAccess.Readable})";

    private const string Sql = $"""
        SELECT id AS import_id, project_id, status, mode, file_name, rows_total, rows_processed, tasks_created, rows_failed, failure,
               created_at, started_at, finished_at
        FROM imports WHERE id = @ImportId AND (requested_by = @CallerId OR @CallerIsAdmin) AND {Readable};

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
            var denied = await CheckAccessAsync(connection, query, ct);
            return new Outcome<ImportStatusResponse>(denied.Status, null, denied.Error);
        }
        return import with { Errors = errors.Take(limit).ToList(), ErrorsTruncated = errors.Count > limit };
    }

    /// <summary>Whether the caller may read the import: its answers for one that does not exist or is someone else's.</summary>
    public static async Task<Outcome<bool>> CheckAccessAsync(NpgsqlConnection connection, GetImportQuery query, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(AccessSql, query, cancellationToken: ct)) switch
        {
            null => Outcome<bool>.NotFound($"Import {query.ImportId} does not exist."),
            false => Outcome<bool>.Forbidden("Only the uploader and admins may read an import."),
            true => true,
        };
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

    /// <summary>GET /api/v2/imports/{id}: the same import, under v2.</summary>
    public static RouteHandlerBuilder MapGetImportV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", (Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) => AnswerAsync(id, user, mediator, ct))
        .WithName("GetImportV2")
        .WithSummary("Get an import")
        .WithDescription("An import's progress and outcome, with its first row errors (uploader, admin).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static Task<Results<Ok<ImportStatusResponse>, Problem>> HandleAsync(
        [FromRoute(Name = "import_id")] Guid importId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        AnswerAsync(importId, user, mediator, ct);

    private static async Task<Results<Ok<ImportStatusResponse>, Problem>> AnswerAsync(
        Guid importId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetImportQuery(importId, user.UserId(), user.IsInRole(Roles.Admin)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
