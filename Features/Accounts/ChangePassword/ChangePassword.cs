using Microsoft.AspNetCore.Identity;

namespace TaskManager.Features.Accounts.ChangePassword;

[RequestBody("current_password", "new_password")]
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed class ChangePasswordValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().WithMessage("current_password is required.")
            .MaximumLength(128).WithMessage("current_password must be at most 128 characters long.");
        RuleFor(r => r.NewPassword).ValidPassword()
            .NotEqual(r => r.CurrentPassword).WithMessage("new_password must differ from current_password.");
    }
}

public sealed record ChangePasswordCommand(long UserId, string CurrentPassword, string NewPassword) : ICommand<Outcome<bool>>;

/// <summary>Checks the current password (a wrong one counts towards the lockout, as at sign-in), stores the new hash,
/// and ends every session of the account: refresh tokens revoked and, by a new token version, access tokens refused.</summary>
public sealed class ChangePasswordHandler(NpgsqlDataSource db, IPasswordHasher<object> hasher, AccountStatus accounts, IOptions<AuthOptions> options,
    ILogger<ChangePasswordHandler> logger) : ICommandHandler<ChangePasswordCommand, Outcome<bool>>
{
    private const string FindSql = """
        SELECT username, password_hash, coalesce(locked_until > now(), false) AS locked
        FROM users WHERE id = @UserId AND is_active
        FOR UPDATE
        """;

    private const string ChangeSql = """
        WITH revoked AS (
            UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'password'
            WHERE user_id = @UserId AND revoked_at IS NULL
        )
        UPDATE users SET password_hash = @PasswordHash, token_version = token_version + 1, failed_logins = 0, updated_at = now()
        WHERE id = @UserId
        """;

    public async ValueTask<Outcome<bool>> Handle(ChangePasswordCommand command, CancellationToken ct)
    {
        var settings = options.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var account = await connection.QuerySingleOrDefaultAsync<Account>(new CommandDefinition(FindSql, command, transaction, cancellationToken: ct));
        if (account is null)
        {
            return Outcome<bool>.Unauthorized("This account no longer exists or has been deactivated.");
        }
        if (account.Locked || hasher.VerifyHashedPassword(command, account.PasswordHash, command.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            await FailedLogins.RecordAsync(connection, account.Username, !account.Locked, settings, ct, transaction);
            await transaction.CommitAsync(ct);
            return Outcome<bool>.Unauthorized("current_password is wrong (or the account is locked after too many failures).");
        }
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql,
            new { command.UserId, PasswordHash = hasher.HashPassword(command, command.NewPassword) }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        accounts.Forget(command.UserId);
        logger.LogInformation("Account {UserId} changed its password; its sessions were ended", command.UserId);
        return true;
    }

    private sealed record Account(string Username, string PasswordHash, bool Locked);
}

public static class ChangePasswordEndpoint
{
    public static RouteHandlerBuilder MapChangePassword(this IEndpointRouteBuilder app) => app
        .MapPut("/me/password", HandleAsync)
        .WithName("ChangePassword")
        .WithSummary("Change my password")
        .WithDescription("Change the signed-in account's password. Every session of the account ends: its refresh tokens are revoked "
                         + "and its access tokens refused from then on, so the caller signs in again with the new password.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<Results<NoContent, Problem>> HandleAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new ChangePasswordCommand(user.UserId(), request.CurrentPassword!, request.NewPassword!), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
