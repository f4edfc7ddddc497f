using System.Text;
using CsvHelper;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>The multipart form an upload sends (for the OpenAPI document; the body is streamed, never bound).</summary>
public sealed class UploadCsvForm
{
    /// <summary>The CSV file: task_name,description,status,priority,created_at,assigned_user.</summary>
    public required IFormFile File { get; init; }
}

public sealed record UploadCsvResponse(string Message, Guid ImportId, string StatusUrl);

public sealed record UploadCsvCommand(long UserId, string FileName, Stream Content, string Mode, string? IdempotencyKey) : ICommand<Outcome<UploadCsvResponse>>
{
    /// <summary>Where every row lands; the uploader must be able to create tasks there.</summary>
    public long ProjectId { get; init; } = ProjectRules.DefaultProjectId;

    public bool CallerIsAdmin { get; init; }

    public long CallerId => UserId;
}

/// <summary>Stores the received file in the database chunk by chunk (never the whole file in memory), checks that it
/// is CSV text with the required columns, and queues the import for a worker, all in one transaction.</summary>
public sealed class UploadCsvHandler(NpgsqlDataSource db, OutboxWriter outbox, IOptions<ImportOptions> options) : ICommandHandler<UploadCsvCommand, Outcome<UploadCsvResponse>>
{
    private const string FindByKeySql = "SELECT id FROM imports WHERE requested_by = @UserId AND idempotency_key = @IdempotencyKey";
    private const string UnfinishedSql = "SELECT count(*) FROM imports WHERE requested_by = @UserId AND status IN ('queued', 'running')";
    private const string CreateSql = """
        INSERT INTO imports (id, requested_by, file_name, source, mode, idempotency_key, project_id)
        VALUES (@Id, @UserId, @FileName, 'upload', @Mode, @IdempotencyKey, @ProjectId)
        """;

    public async ValueTask<Outcome<UploadCsvResponse>> Handle(UploadCsvCommand command, CancellationToken ct)
    {
        var settings = options.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (command.IdempotencyKey is not null &&
            await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(FindByKeySql, command, cancellationToken: ct)) is { } earlier)
        {
            return Accepted(earlier, "Import already accepted");
        }
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT {ProjectAccess.ProjectIdTakesTasks}", command, cancellationToken: ct)))
        {
            var target = await connection.QuerySingleAsync<TargetCheck>(new CommandDefinition(ProjectAccess.TargetCheckSql, command, cancellationToken: ct));
            return target.Refusal<UploadCsvResponse>(command.ProjectId);
        }
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(UnfinishedSql, command, cancellationToken: ct)) >= settings.MaxConcurrentPerUser)
        {
            return TooMany(settings);
        }

        var id = Guid.CreateVersion7();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(CreateSql, new { Id = id, command.UserId, command.FileName, command.Mode, command.IdempotencyKey, command.ProjectId },
            transaction, cancellationToken: ct));

        var buffer = new byte[settings.ChunkBytes];
        long total = 0;
        for (var chunkNo = 0; ; chunkNo++)
        {
            var length = await FillAsync(command.Content, buffer, ct);
            if (length == 0)
            {
                break;
            }
            total += length;
            if (total > settings.MaxFileBytes)
            {
                return Outcome<UploadCsvResponse>.PayloadTooLarge($"The file is larger than the limit of {settings.MaxFileBytes} bytes.");
            }
            if (chunkNo == 0 && CheckStart(buffer.AsSpan(0, length)) is { } refusal)
            {
                return refusal;
            }
            await ImportFileStore.WriteChunkAsync(connection, transaction, id, chunkNo, buffer.AsMemory(0, length), ct);
        }
        if (total == 0)
        {
            return Outcome<UploadCsvResponse>.Invalid("file", "The file is empty.");
        }

        // Under a per-user lock, so two uploads racing past the first check cannot both take the last slot.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('imports-of-' || @UserId, 0))",
            command, transaction, cancellationToken: ct));
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(UnfinishedSql, command, transaction, cancellationToken: ct)) > settings.MaxConcurrentPerUser)
        {
            return TooMany(settings);
        }
        await connection.ExecuteAsync(new CommandDefinition("UPDATE imports SET file_bytes = @Total WHERE id = @Id", new { Id = id, Total = total },
            transaction, cancellationToken: ct));
        await outbox.EnqueueAsync(connection, transaction, new StartImport { ImportId = id }, ct);
        try
        {
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && command.IdempotencyKey is not null)
        {
            // A concurrent retry with the same key won: answer with its import.
            await using var again = await db.OpenConnectionAsync(ct);
            return Accepted((await again.ExecuteScalarAsync<Guid?>(new CommandDefinition(FindByKeySql, command, cancellationToken: ct)))!.Value,
                "Import already accepted");
        }
        return Accepted(id, "Import accepted");
    }

    /// <summary>Refuses at once what cannot be a CSV import: binary content, text that is not UTF-8, a header
    /// without the required columns.</summary>
    private static Outcome<UploadCsvResponse>? CheckStart(ReadOnlySpan<byte> start)
    {
        if (start.Contains((byte)0))
        {
            return Outcome<UploadCsvResponse>.UnsupportedMediaType("The file is not CSV text (it contains binary data).");
        }
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        var newline = start.IndexOf((byte)'\n');
        var headerBytes = newline < 0 ? start : start[..newline];
        string headerLine;
        try
        {
            // flush: false tolerates a character cut in two at the chunk's end.
            decoder.GetCharCount(start, flush: false);
            headerLine = Encoding.UTF8.GetString(headerBytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return Outcome<UploadCsvResponse>.UnsupportedMediaType("The file is not CSV text: it is not valid UTF-8.");
        }
        if (newline < 0 && start.Length >= 64 * 1024)
        {
            return Outcome<UploadCsvResponse>.Invalid("file", "The file has no header line.");
        }

        using var csv = new CsvReader(new StringReader(headerLine), CsvRows.Settings(64 * 1024));
        var header = csv.Read() && csv.ReadHeader() ? csv.HeaderRecord ?? [] : [];
        var missing = CsvRows.MissingColumns(CsvRows.MapHeader(header));
        return missing.Length == 0
            ? (Outcome<UploadCsvResponse>?)null
            : Outcome<UploadCsvResponse>.Invalid("file",
                $"The CSV header lacks the required column(s): {string.Join(", ", missing)}. Expected: {string.Join(",", CsvRows.Columns)}.");
    }

    private static async Task<int> FillAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    private static Outcome<UploadCsvResponse> Accepted(Guid id, string message) => new UploadCsvResponse(message, id, $"/api/imports/{id}");

    private static Outcome<UploadCsvResponse> TooMany(ImportOptions settings) => Outcome<UploadCsvResponse>.TooManyRequests(
        $"You already have {settings.MaxConcurrentPerUser} imports queued or running; wait for one to finish.");
}

public static class UploadCsvEndpoint
{
    public static RouteHandlerBuilder MapUploadCsv(this IEndpointRouteBuilder app) => app
        .MapPost("/upload-csv", HandleAsync)
        .WithName("UploadCsv")
        .WithSummary("Upload a CSV file")
        .WithDescription("Upload a CSV file of tasks (multipart field `file`); a worker imports it. ?atomic=true imports all or nothing, ?dry_run=true only validates. " +
                         "project_id (query or form field; default: the default project) is where every row lands.")
        .AsCsvUpload(app);

    private static Task<Results<Accepted<UploadCsvResponse>, Problem>> HandleAsync(
        [AsParameters] UploadCsvOptions upload, HttpRequest request, ClaimsPrincipal user, IMediator mediator, UploadsInFlight inFlight,
        IOptions<ImportOptions> options, CancellationToken ct) =>
        UploadCsvBody.ReceiveAsync(new UploadRequest(request, user.UserId(), user.IsInRole(Roles.Admin), upload),
            mediator, inFlight, options.Value,
            accepted => Task.FromResult(TypedResults.Accepted(accepted.StatusUrl, accepted)), ct);
}
