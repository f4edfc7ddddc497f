namespace TaskManager.Infrastructure.Hosting;

/// <summary>Clean-up a worker repeats every <see cref="Interval"/>, on one instance at a time: a turn holds a session
/// advisory lock named <see cref="Name"/>, and an instance that finds it taken skips its turn. A database error is
/// logged, and the next turn tries again.</summary>
public abstract class ExclusiveSweep(NpgsqlDataSource db, TimeProvider clock, ILogger logger) : BackgroundService
{
    private const string LockSql = "SELECT pg_try_advisory_lock(hashtext(@Name))";
    private const string UnlockSql = "SELECT pg_advisory_unlock(hashtext(@Name))";

    protected TimeProvider Clock { get; } = clock;
    protected ILogger Logger { get; } = logger;

    /// <summary>The lock's name, and the work's in the log.</summary>
    protected abstract string Name { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>One turn, as the schedule runs it.</summary>
    protected abstract Task TurnAsync(CancellationToken ct);

    /// <summary>Runs <paramref name="work"/> holding the lock, on the lock's connection; false when another instance holds it.</summary>
    protected async Task<bool> ExclusivelyAsync(Func<NpgsqlConnection, Task> work, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(LockSql, new { Name }, cancellationToken: ct)))
        {
            return false;
        }
        try
        {
            await work(connection);
            return true;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition(UnlockSql, new { Name }, cancellationToken: CancellationToken.None));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await TurnAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    Logger.LogError(ex, "{Work} failed; it runs again in {Interval}", Name, Interval);
                }
                await Task.Delay(Interval, Clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
