using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>When a worker starts, imports left queued or running (their worker died, or their message was lost
/// with an in-memory bus) are started again. A second start of an import another worker runs is harmless:
/// the import's advisory lock turns it away.</summary>
public sealed class ImportRecovery(NpgsqlDataSource db, OutboxWriter outbox, ILogger<ImportRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(stoppingToken);
            await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
            var unfinished = (await connection.QueryAsync<Guid>(new CommandDefinition(
                "SELECT id FROM imports WHERE status IN ('queued', 'running') ORDER BY created_at", transaction: transaction,
                cancellationToken: stoppingToken))).AsList();
            foreach (var id in unfinished)
            {
                await outbox.EnqueueAsync(connection, transaction, new StartImport { ImportId = id }, stoppingToken);
            }
            await transaction.CommitAsync(stoppingToken);
            if (unfinished.Count > 0)
            {
                logger.LogInformation("Restarting {Count} unfinished imports", unfinished.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (NpgsqlException ex)
        {
            logger.LogError(ex, "Could not look for unfinished imports; they start again at the next worker start");
        }
    }
}
