namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>Wakes every change stream of this instance when a change commits anywhere: while a stream is connected, one loop
/// per api instance polls the feed's head (the newest committed change) and wakes them all when it moves. Polling,
/// not LISTEN/NOTIFY: a notifying transaction holds PostgreSQL's global notify lock through its commit, which
/// serialised every write. Streams always read the table, and poll on their own while a change is held.</summary>
public sealed class ChangeSignal(NpgsqlDataSource db, IOptions<ChangesOptions> options, ILogger<ChangeSignal> logger) : BackgroundService
{
    private const string HeadSql = "SELECT coalesce(max(seq), 0) FROM changes";

    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int streams;

    /// <summary>Completes when the feed next moves; take it before reading, so a change committed meanwhile still wakes.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>Counts a stream in for as long as it is connected: the head is polled only while one is.</summary>
    public IDisposable Follow()
    {
        Interlocked.Increment(ref streams);
        return new Follower(this);
    }

    private sealed class Follower(ChangeSignal signal) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                Interlocked.Decrement(ref signal.streams);
            }
        }
    }

    private void Wake() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.WakePollMilliseconds);
        long? head = null;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (Volatile.Read(ref streams) == 0)
                {
                    head = null; // no stream: no query
                    continue;
                }
                try
                {
                    await using var connection = await db.OpenConnectionAsync(stoppingToken);
                    var now = await connection.ExecuteScalarAsync<long>(new CommandDefinition(HeadSql, cancellationToken: stoppingToken));
                    if (head != now)
                    {
                        head = now;
                        Wake();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Streams poll on their own meanwhile (Changes:PollSeconds); say so once a tick at most.
                    logger.LogWarning("Change signal could not read the feed's head ({Error})", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
