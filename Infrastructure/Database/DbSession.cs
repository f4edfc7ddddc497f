namespace TaskManager.Infrastructure.Database;

/// <summary>How write handlers reach the database: a connection of their own from the pool, or, inside
/// <see cref="RunAtomicAsync"/>, the one connection and transaction of an atomic batch, so several handlers' writes (with
/// their audit and outbox rows) commit or roll back together. Ambient (AsyncLocal) because handlers are singletons and know
/// nothing of batches; what must wait for the commit (cache bumps) goes through <see cref="DbLease.AfterCommitAsync"/>.</summary>
public sealed class DbSession(NpgsqlDataSource db)
{
    private readonly AsyncLocal<AtomicScope?> ambient = new();

    /// <summary>A connection for one handler: its own, or the atomic batch's (then disposing it leaves it open).</summary>
    public async ValueTask<DbLease> OpenAsync(CancellationToken ct) =>
        ambient.Value is { } scope ? new DbLease(scope.Connection, scope) : new DbLease(await db.OpenConnectionAsync(ct), null);

    /// <summary>Runs <paramref name="work"/> in one transaction that every handler it calls joins; commits when it returns
    /// true, then runs the after-commit effects the handlers queued (each once). Returns whether it committed.</summary>
    public async Task<bool> RunAtomicAsync(Func<CancellationToken, Task<bool>> work, CancellationToken ct)
    {
        if (ambient.Value is not null)
        {
            throw new InvalidOperationException("Atomic units do not nest.");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var scope = new AtomicScope(connection, transaction);
        ambient.Value = scope;
        try
        {
            if (!await work(ct))
            {
                return false; // rolled back as the transaction is disposed
            }
            await transaction.CommitAsync(ct);
        }
        finally
        {
            ambient.Value = null;
        }
        await connection.CloseAsync(); // back to the pool before the effects, which wait on Redis
        foreach (var effect in scope.AfterCommit)
        {
            await effect();
        }
        return true;
    }

    internal sealed class AtomicScope(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        public NpgsqlConnection Connection { get; } = connection;
        public NpgsqlTransaction Transaction { get; } = transaction;

        // A set: a hundred creates bump the task-log cache once (delegates of one method on one target are equal).
        public HashSet<Func<ValueTask>> AfterCommit { get; } = [];
    }
}

/// <summary>A handler's connection. Inside an atomic batch, its transaction is the batch's (commit and dispose do nothing:
/// the batch stops at the first failed operation and rolls everything back) and after-commit effects wait for the batch.</summary>
public sealed class DbLease : IAsyncDisposable
{
    private readonly DbSession.AtomicScope? scope;

    internal DbLease(NpgsqlConnection connection, DbSession.AtomicScope? scope)
    {
        Connection = connection;
        this.scope = scope;
    }

    public NpgsqlConnection Connection { get; }

    public async ValueTask<DbWork> BeginTransactionAsync(CancellationToken ct) =>
        scope is null ? new DbWork(await Connection.BeginTransactionAsync(ct), owned: true) : new DbWork(scope.Transaction, owned: false);

    /// <summary>Returns the connection to the pool and runs <paramref name="effect"/>; in an atomic batch, after it commits.</summary>
    public async ValueTask AfterCommitAsync(Func<ValueTask> effect)
    {
        if (scope is not null)
        {
            scope.AfterCommit.Add(effect);
            return;
        }
        await Connection.CloseAsync();
        await effect();
    }

    public ValueTask DisposeAsync() => scope is null ? Connection.DisposeAsync() : ValueTask.CompletedTask;
}

/// <summary>A handler's transaction: its own (rolled back unless committed), or the atomic batch's.</summary>
public sealed class DbWork(NpgsqlTransaction transaction, bool owned) : IAsyncDisposable
{
    public NpgsqlTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken ct) => owned ? Transaction.CommitAsync(ct) : Task.CompletedTask;

    public ValueTask DisposeAsync() => owned ? Transaction.DisposeAsync() : ValueTask.CompletedTask;
}
