namespace TaskManager.Infrastructure.Database;

/// <summary>Runs before the server accepts requests: waits for PostgreSQL, then migrates when configured.
/// A failure here stops the process with the reason in the log, never a half-working service.</summary>
public sealed class DatabaseInitializer(DatabaseStartup startup, Migrator migrator, IOptions<DatabaseOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await startup.WaitForDatabaseAsync(cancellationToken);
        if (options.Value.MigrateOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
