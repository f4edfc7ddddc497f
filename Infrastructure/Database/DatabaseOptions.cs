using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Database;

/// <summary>Settings of the PostgreSQL connection beyond the connection string itself.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>From ConnectionStrings:Postgres (environment: ConnectionStrings__Postgres).</summary>
    [Required(ErrorMessage = "ConnectionStrings:Postgres is not set. Set the environment variable ConnectionStrings__Postgres " +
                             "(scripts/services.sh up prints one for the local server).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>How long start-up waits for PostgreSQL before giving up.</summary>
    [Range(1, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 60;

    /// <summary>How long opening a connection may take; an unreachable server fails a request fast instead of holding it.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>Upper bound of one command; a slow query fails instead of holding a connection.</summary>
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>Upper bound of a read query a client asks for (the log's pages): past it the query is cancelled and that
    /// request alone answers 503, so one expensive filter cannot hold connections others wait for.</summary>
    [Range(1, 3600)]
    public int ReadTimeoutSeconds { get; set; } = 5;

    /// <summary>Connections this process keeps open at most (Npgsql's Maximum Pool Size); a request waits for one up to
    /// ConnectTimeoutSeconds, then gets 503. Fewer connections than requests in flight is faster, not slower
    /// (docs/benchmarks.md). Size it to the database server's cores (a few per core), shared among all instances.</summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 8;

    /// <summary>How many distinct statements each connection prepares on the server once they repeat (Npgsql's
    /// Max Auto Prepare). Every query here is a fixed text, so they all qualify; 0 turns it off
    /// (docs/benchmarks.md).</summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 20;

    /// <summary>Whether a connection returned to the pool is reset (DISCARD ALL or its like) before its next use.
    /// Off by default: no code here leaves session state behind (advisory locks are released where taken), and the
    /// reset costs a statement per checkout.</summary>
    public bool ResetOnClose { get; set; }

    /// <summary>Apply pending migrations when the process starts (the `migrate` command always does).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>From ConnectionStrings:PostgresMigrations: the schema owner, used only to migrate. Unset, the
    /// main connection migrates (then it must be the owner).</summary>
    public string? MigrationsConnectionString { get; set; }

    /// <summary>The least-privileged login role the service runs as. After migrating, it is granted row access
    /// (SELECT, INSERT, UPDATE, DELETE on tables, USAGE on sequences, now and by default for later tables) and
    /// nothing else; skipped when no such role exists on the server. Empty: grant nothing.</summary>
    public string AppRole { get; set; } = "taskmanager_app";
}
