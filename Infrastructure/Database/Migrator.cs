using EvolveDb;

namespace TaskManager.Infrastructure.Database;

/// <summary>Applies Migrations/*.sql with Evolve (checksums, an advisory lock: docs/operations.md), as the schema
/// owner when ConnectionStrings:PostgresMigrations is set, then grants Database:AppRole row access to what they made.</summary>
public sealed class Migrator(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, ILogger<Migrator> logger)
{
    public const string ChangelogTable = "changelog";

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsOwnerAsync(ct);
        // Evolve is synchronous; this runs once at start-up, off the request path.
        await Task.Run(() =>
        {
            // Naming the DBMS spares Evolve its probe for other databases (an error line in the server log at every start).
            var evolve = new Evolve(connection, message => logger.LogInformation("Migrations: {Message}", message), EvolveDb.Dialect.DBMS.PostgreSQL)
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
        await GrantAppRoleAsync(connection, ct);
    }

    private async Task<NpgsqlConnection> OpenAsOwnerAsync(CancellationToken ct)
    {
        var owner = options.Value.MigrationsConnectionString;
        if (string.IsNullOrWhiteSpace(owner))
        {
            return await dataSource.OpenConnectionAsync(ct);
        }
        var csb = new NpgsqlConnectionStringBuilder(owner)
        {
            CommandTimeout = options.Value.CommandTimeoutSeconds,
            Timeout = options.Value.ConnectTimeoutSeconds,
        };
        csb.ApplicationName ??= "taskmanager-migrations";
        var connection = new NpgsqlConnection(csb.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    // Idempotent, so it runs after every migration: tables a later migration adds are covered by the default
    // privileges, and a database migrated before the role existed catches up the next time. The app role may
    // read the changelog (to see the schema version) but not write it.
    private async Task GrantAppRoleAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var role = options.Value.AppRole;
        if (string.IsNullOrWhiteSpace(role))
        {
            return;
        }
        var target = await connection.QuerySingleAsync<(bool Exists, bool IsSelf, string Quoted)>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @Role), @Role = current_user, quote_ident(@Role)",
            new { Role = role }, cancellationToken: ct));
        if (!target.Exists || target.IsSelf)
        {
            logger.LogInformation("Migrations: no grants to {Role} ({Reason})", role, target.Exists ? "it is the migrating role" : "no such role");
            return;
        }
        var sql = $"""
            GRANT USAGE ON SCHEMA public TO {target.Quoted};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {target.Quoted};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {target.Quoted};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {target.Quoted};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {target.Quoted};
            REVOKE INSERT, UPDATE, DELETE ON {ChangelogTable} FROM {target.Quoted};
            """;
        // Concurrent GRANTs on one object can fail ("tuple concurrently updated"): instances starting together take turns.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtext('taskmanager:grants'))", transaction: transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        logger.LogInformation("Migrations: {Role} may read and write rows, not change the schema", role);
    }
}
