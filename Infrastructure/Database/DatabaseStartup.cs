using System.Diagnostics;

namespace TaskManager.Infrastructure.Database;

/// <summary>Waits for PostgreSQL with bounded exponential backoff, so a service started together with
/// its database (compose, a reboot) comes up on its own instead of crashing on the first refused connection.</summary>
public sealed class DatabaseStartup(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    public async Task WaitForDatabaseAsync(CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.StartupTimeoutSeconds);
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(ct);
                logger.LogInformation("PostgreSQL is reachable (attempt {Attempt}, after {Elapsed:0.0} s)", attempt, clock.Elapsed.TotalSeconds);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested)
            {
                if (clock.Elapsed + delay > timeout)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL was not reachable within {timeout.TotalSeconds:0} s ({attempt} attempts); last error: {ex.Message}. " +
                        $"Check ConnectionStrings__Postgres or raise {DatabaseOptions.Section}__StartupTimeoutSeconds.", ex);
                }
                logger.LogWarning("PostgreSQL is not reachable yet (attempt {Attempt}: {Error}); retrying in {Delay} ms",
                    attempt, ex.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    // Authentication failures and a missing database are configuration errors: retrying will not fix them.
    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is "57P03" /* cannot_connect_now */ or "53300" /* too_many_connections */,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or TimeoutException,
        TimeoutException => true,
        _ => false,
    };
}
