namespace TaskManager.Features.Projects;

/// <summary>How every change to a project or its members starts: the project row locked, then what the caller may do
/// read. Two statements on purpose: under READ COMMITTED a statement that waited for the lock still reads the snapshot
/// it took before the wait, so two owners stepping down at once would each count the other as still there.</summary>
public static class ProjectLock
{
    private const string LockSql = "SELECT 1 FROM projects WHERE id = @Id FOR UPDATE";

    /// <summary>Locks project @Id (in <paramref name="transaction"/>), then reads one row with <paramref name="sql"/>.</summary>
    public static async Task<T?> ReadLockedAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object parameters,
        CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(LockSql, parameters, transaction, cancellationToken: ct));
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, parameters, transaction, cancellationToken: ct));
    }
}
