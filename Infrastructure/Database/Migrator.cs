using EvolveDb;
using Npgsql;

namespace TaskManager.Infrastructure.Database;

/// <summary>Applies the numbered SQL files in Migrations/ with Evolve. Evolve tracks them in the
/// <c>changelog</c> table, refuses edited scripts by checksum, and holds a PostgreSQL advisory lock
/// while it works, so several instances starting at once apply each script exactly once.</summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    public const string ChangelogTable = "changelog";

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Evolve is synchronous; this runs once at start-up, off the request path.
        await Task.Run(() =>
        {
            var evolve = new Evolve(connection, message => logger.LogInformation("Migrations: {Message}", message))
            {
                EmbeddedResourceAssemblies = [typeof(Migrator).Assembly],
                EmbeddedResourceFilters = ["TaskManager.Infrastructure.Database.Migrations"],
                MetadataTableName = ChangelogTable,
                EnableClusterMode = true,
                IsEraseDisabled = true,
                OutOfOrder = false,
                // Our SQL uses no ${placeholders}; a distinct prefix keeps '$' in function bodies literal.
                PlaceholderPrefix = "#{",
                PlaceholderSuffix = "}#",
            };
            evolve.Migrate();
            logger.LogInformation("Migrations: {Count} applied, schema at version {Version}", evolve.NbMigration, evolve.NbMigration == 0 ? "unchanged" : "latest");
        }, ct);
    }
}
