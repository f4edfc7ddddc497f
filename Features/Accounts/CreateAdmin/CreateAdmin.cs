using Microsoft.AspNetCore.Identity;

namespace TaskManager.Features.Accounts.CreateAdmin;

/// <summary>Makes the first admin from the command line. Idempotent: an existing account of that
/// username keeps its password and gains the admin role; nothing is created twice.</summary>
public sealed record CreateAdminCommand(string Username, string Email, string Password) : ICommand<Outcome<CreateAdminResult>>;

public sealed record CreateAdminResult(long Id, string Username, bool Created);

public sealed class CreateAdminHandler(NpgsqlDataSource db, IPasswordHasher<object> hasher) : ICommandHandler<CreateAdminCommand, Outcome<CreateAdminResult>>
{
    private const string UpsertSql = """
        WITH inserted AS (
            INSERT INTO users (username, email, password_hash)
            VALUES (@Username, @Email, @PasswordHash)
            ON CONFLICT DO NOTHING
            RETURNING id, username, true AS created
        ), target AS (
            SELECT id, username, created FROM inserted
            UNION ALL
            SELECT id, username, false FROM users
            WHERE lower(username) = lower(@Username) AND NOT EXISTS (SELECT 1 FROM inserted)
        ), granted AS (
            INSERT INTO user_roles (user_id, role_id)
            SELECT target.id, roles.id FROM target CROSS JOIN roles WHERE roles.name IN ('user', 'admin')
            ON CONFLICT DO NOTHING
        )
        SELECT id, username, created FROM target
        """;

    public async ValueTask<Outcome<CreateAdminResult>> Handle(CreateAdminCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var hash = hasher.HashPassword(command, command.Password);
        var parameters = new { command.Username, command.Email, PasswordHash = hash };
        // A second attempt sees a row that a concurrent create-admin committed after our statement began.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var result = await connection.QuerySingleOrDefaultAsync<CreateAdminResult>(new CommandDefinition(UpsertSql, parameters, cancellationToken: ct));
            if (result is not null)
            {
                return result;
            }
        }
        // Nothing inserted and no such username: the email belongs to someone else.
        return Outcome<CreateAdminResult>.Conflict($"The email {command.Email} is already used by another account.");
    }
}
