namespace TaskManager.Features.Accounts;

/// <summary>How an admin's change to an account begins: lock the caller's and the target's rows, then re-read that the
/// caller is still an active admin. Two admins demoting each other at once run one after the other, and the second
/// changes nothing; with self-demotion refused, the last admin can never be removed (docs/security.md).</summary>
public static class AdminChange
{
    // Rows in id order, whoever calls, so two admins locking each other's rows wait in turn, never deadlock.
    private const string LockSql = "SELECT id FROM users WHERE id IN (@AdminId, @UserId) ORDER BY id FOR UPDATE";

    // A statement of its own, after the locks are held: in READ COMMITTED it then sees what a concurrent
    // change committed while this one waited (a subquery of the locking statement would not).
    private const string CallerSql = """
        SELECT EXISTS (
            SELECT 1 FROM users u
            JOIN user_roles ur ON ur.user_id = u.id
            JOIN roles r ON r.id = ur.role_id
            WHERE u.id = @AdminId AND u.is_active AND r.name = 'admin')
        """;

    public const string NoLongerAdmin = "You are no longer an admin of this service; your admin role or your account was changed.";

    /// <summary>True when the caller may go on: their row and the target's are locked until the transaction ends.</summary>
    public static async Task<bool> LockAndCheckCallerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long adminId, long userId, CancellationToken ct)
    {
        var ids = new { AdminId = adminId, UserId = userId };
        await connection.ExecuteAsync(new CommandDefinition(LockSql, ids, transaction, cancellationToken: ct));
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(CallerSql, ids, transaction, cancellationToken: ct));
    }
}
