namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>Wakes every change stream of this instance when a change commits anywhere: one LISTEN connection per api
/// instance, notified by the changes table's trigger at commit. Streams always read the table, so a notification lost
/// while the connection was down only delays them until their next poll.</summary>
public sealed class ChangeSignal(NpgsqlDataSource db, ILogger<ChangeSignal> logger) : BackgroundService
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next notification; take it before reading, so a change committed meanwhile still wakes.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    private void Wake() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand("LISTEN changes", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Whatever committed while it was not listening: let every stream look.
                Wake();
                delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Change listener lost its connection ({Error}); reconnecting in {Delay} s", ex.Message, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
