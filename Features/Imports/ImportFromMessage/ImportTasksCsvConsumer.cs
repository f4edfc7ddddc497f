using System.Text;
using MassTransit;
using TaskManager.Features.Imports.RunImport;
using TaskManager.Infrastructure.Messaging;

namespace TaskManager.Features.Imports.ImportFromMessage;

public sealed class ImportTasksCsvValidator : AbstractValidator<ImportTasksCsv>
{
    public ImportTasksCsvValidator(IOptions<ImportOptions> options)
    {
        RuleFor(m => m.ImportId).NotEqual(Guid.Empty).WithMessage("import_id must be a UUID.");
        RuleFor(m => m.RequestedBy).NotEmpty().WithMessage("requested_by must name a user.");
        RuleFor(m => m.FileName).MaximumLength(ImportFileNames.MaxLength).WithMessage($"file_name must be at most {ImportFileNames.MaxLength} characters long.")
            .Must(ImportFileNames.IsClean).WithMessage("file_name must not contain control characters.");
        RuleFor(m => m.RequestedBy).Must(n => n is null || !n.Contains('\0')).WithMessage("requested_by must not contain NUL characters.");
        RuleFor(m => m.CsvContent).NotNull().WithMessage("csv_content is required.")
            .Must(c => c is null || Encoding.UTF8.GetByteCount(c) <= options.Value.MaxInlineBytes)
            .WithMessage($"csv_content must be at most {options.Value.MaxInlineBytes} bytes.");
        RuleFor(m => m.Mode).Must(m => m is null or ImportModes.Partial or ImportModes.Atomic or ImportModes.DryRun)
            .WithMessage("mode must be partial, atomic or dry_run.");
        RuleFor(m => m.ProjectId).ValidProjectId();
    }
}

/// <summary>Imports CSV text that arrived as a message. The same rules as an upload; idempotent by import_id
/// (a repeated message resumes or does nothing); TasksImportCompleted is published at the end.</summary>
public sealed class ImportTasksCsvConsumer(NpgsqlDataSource db, ImportRunner runner, IValidator<ImportTasksCsv> validator,
    IOptions<ImportOptions> options) : IConsumer<ImportTasksCsv>
{
    private static readonly string CreateSql = $"""
        INSERT INTO imports (id, requested_by, file_name, source, mode, file_bytes, project_id)
        SELECT @ImportId, u.id, @FileName, 'message', @Mode, @FileBytes, @ProjectId FROM users u
        WHERE lower(u.username) = lower(@RequestedBy) AND u.is_active
          AND EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId AND {ProjectAccess.TakesTasksFrom("u.id")})
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """;

    public async Task Consume(ConsumeContext<ImportTasksCsv> context)
    {
        var message = context.Message;
        await validator.ValidateAndThrowAsync(message, context.CancellationToken);
        var content = Encoding.UTF8.GetBytes(message.CsvContent!);
        var ct = context.CancellationToken;

        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var created = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(CreateSql, new
            {
                message.ImportId,
                message.RequestedBy,
                FileName = message.FileName ?? $"{message.ImportId}.csv",
                Mode = message.Mode ?? ImportModes.Partial,
                FileBytes = (long)content.Length,
                ProjectId = message.ProjectId ?? ProjectRules.DefaultProjectId,
            }, transaction, cancellationToken: ct));
            if (created is not null)
            {
                var chunk = options.Value.ChunkBytes;
                for (int offset = 0, no = 0; offset < content.Length; offset += chunk, no++)
                {
                    await ImportFileStore.WriteChunkAsync(connection, transaction, message.ImportId, no,
                        content.AsMemory(offset, Math.Min(chunk, content.Length - offset)), ct);
                }
            }
            else if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM imports WHERE id = @ImportId)", message, transaction, cancellationToken: ct)))
            {
                throw new ValidationException($"requested_by '{message.RequestedBy}' is not an active user who may create tasks in project " +
                                              $"{message.ProjectId ?? ProjectRules.DefaultProjectId}.");
            }
            await transaction.CommitAsync(ct);
        }
        try
        {
            await runner.RunAsync(message.ImportId, ct);
        }
        catch (Exception) when (context.IsLastAttempt() && !ct.IsCancellationRequested)
        {
            // The last retry failed too: the import ends failed rather than staying running.
            await runner.GiveUpAsync(message.ImportId, "The import could not go on after several retries; rows committed before stay.", ct);
            throw;
        }
    }
}

public sealed class ImportTasksCsvConsumerDefinition : ConsumerDefinition<ImportTasksCsvConsumer>
{
    public ImportTasksCsvConsumerDefinition()
    {
        EndpointName = "import-tasks-csv";
        ConcurrentMessageLimit = 2;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ImportTasksCsvConsumer> consumer,
        IRegistrationContext context)
    {
        // Other systems publish plain JSON, without MassTransit's envelope.
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: true);
        endpoint.UseConsumerRetry();
    }
}
