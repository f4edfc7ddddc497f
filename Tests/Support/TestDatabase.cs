using Npgsql;
using Testcontainers.PostgreSql;

namespace TaskManager.Tests.Support;

/// <summary>A PostgreSQL server for the run, found in this order: ConnectionStrings__Postgres from the
/// environment (scripts/test sets it), a Testcontainers container where a Docker engine runs, else the
/// local server that scripts/services.sh starts. Each run works in databases of its own, dropped at the end.</summary>
public static class TestDatabase
{
    private const string LocalServer = "Host=127.0.0.1;Port=55432;Database=taskmanager;Username=taskmanager;Password=taskmanager";

    // Tables whose rows come from migrations (reference data): kept when the database is reset.
    private static readonly string[] KeptTables = ["changelog", "roles"];

    private static PostgreSqlContainer? container;
    private static readonly List<string> Created = [];

    public static string ServerConnectionString { get; private set; } = "";

    public static async Task StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            ServerConnectionString = fromEnvironment;
            return;
        }
        try
        {
            container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await container.StartAsync();
            ServerConnectionString = container.GetConnectionString();
        }
        catch (Exception ex) when (ex.GetType().Name == "DockerUnavailableException")
        {
            ServerConnectionString = LocalServer;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string purpose)
    {
        var name = $"tm_test_{purpose}_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        lock (Created)
        {
            Created.Add(name);
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Waits until the events so far have been published and recorded: before a test, so none of them lands
    /// in its empty tables (at most 5 s, quietly: an earlier test may have left a message that never settles); in a
    /// test that reads the audit trail, up to <paramref name="required"/>, and then it fails.</summary>
    public static async Task DrainAsync(string connectionString, TimeSpan? required = null)
    {
        const string Settled = """
            SELECT NOT EXISTS (SELECT 1 FROM outbox_messages WHERE sent_at IS NULL)
               AND (SELECT count(*) FROM outbox_messages WHERE message_type = 'task-changed')
                 = (SELECT count(*) FROM task_audit)
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Settled, connection);
        var deadline = DateTime.UtcNow + (required ?? TimeSpan.FromSeconds(5));
        while (!(bool)(await command.ExecuteScalarAsync())!)
        {
            if (DateTime.UtcNow > deadline)
            {
                if (required is null)
                {
                    return;
                }
                throw new TimeoutException($"The outbox and the audit trail did not settle within {required}.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Empties every table but reference data, and restarts identities, so each test starts alike.</summary>
    public static async Task ResetAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var list = new NpgsqlCommand(
            "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') FROM pg_tables " +
            "WHERE schemaname = 'public' AND NOT (tablename = ANY(@kept))", connection);
        list.Parameters.AddWithValue("kept", KeptTables);
        if (await list.ExecuteScalarAsync() is string tables)
        {
            // TRUNCATE locks every table in turn, and a worker's statement over two of them (a webhook claim) may hold
            // one while waiting for another: PostgreSQL then breaks the deadlock, and the reset is simply tried again.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    // The default project is made by a migration, as reference data is: put back as the migration left it.
                    await using var truncate = new NpgsqlCommand($"""
                        TRUNCATE {tables} RESTART IDENTITY CASCADE;
                        INSERT INTO projects (id, name, visibility, is_default) VALUES (1, 'General', 'public', true);
                        SELECT setval(pg_get_serial_sequence('projects', 'id'), 1);
                        """, connection);
                    await truncate.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
                {
                    await Task.Delay(100 * attempt);
                }
            }
        }
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // An autovacuum worker on the new database runs as the superuser, whom FORCE may not terminate: it is gone soon.
                await Task.Delay(250);
            }
        }
    }

    public static async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (container is not null)
        {
            await container.DisposeAsync();
            return;
        }
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        foreach (var name in Created)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            try
            {
                await drop.ExecuteNonQueryAsync();
            }
            catch (PostgresException ex)
            {
                // Leftover scratch databases are untidy, not wrong: every test has already reported.
                await TestContext.Progress.WriteLineAsync($"could not drop test database {name}: {ex.MessageText}");
            }
        }
    }
}
