using System.Data.Common;

namespace TaskManager.Features.Accounts;

/// <summary>A rejected password, counted towards the lockout: by sign-in and by a password change alike.</summary>
public static class FailedLogins
{
    // Run for every rejected login, unknown names included, so every kind of refusal costs the same and answers the
    // same 401. Only a wrong password counts (@Counts); attempts during a lock are not counted, so they cannot
    // extend it, and the failure that reaches the limit locks the account and starts the count again.
    private const string Sql = """
        UPDATE users
        SET failed_logins = CASE WHEN failed_logins + 1 >= @MaxFailedLogins THEN 0 ELSE failed_logins + 1 END,
            locked_until  = CASE WHEN failed_logins + 1 >= @MaxFailedLogins THEN now() + make_interval(mins => @LockoutMinutes)
                                 ELSE locked_until END
        WHERE lower(username) = lower(@Username) AND (locked_until IS NULL OR locked_until <= now()) AND @Counts
        RETURNING coalesce(locked_until > now(), false)
        """;

    /// <summary>Records the failure; true when it has just locked the account.</summary>
    public static async Task<bool> RecordAsync(DbConnection connection, string username, bool counts, AuthOptions settings,
        CancellationToken ct, DbTransaction? transaction = null) =>
        await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(Sql,
            new { Username = username, Counts = counts, settings.MaxFailedLogins, settings.LockoutMinutes }, transaction, cancellationToken: ct)) == true;
}
