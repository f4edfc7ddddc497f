namespace TaskManager.Features.Accounts.SetUserActive;

/// <summary>`active: false` deactivates the account, `true` reactivates it. Other fields are ignored.</summary>
[RequestBody("active", Example = """{"active":false}""")]
public sealed record SetUserActiveRequest(bool? Active);

public sealed class SetUserActiveValidator : AbstractValidator<SetUserActiveRequest>
{
    public SetUserActiveValidator() =>
        RuleFor(r => r.Active).NotNull().WithMessage("active is required: true or false.");
}

public sealed record SetUserActiveCommand(long UserId, long AdminId, bool Active) : ICommand<Outcome<UserSummary>>;

public sealed class SetUserActiveHandler(NpgsqlDataSource db, AccountStatus accounts, ILogger<SetUserActiveHandler> logger)
    : ICommandHandler<SetUserActiveCommand, Outcome<UserSummary>>
{
    // A change of state raises token_version, so access tokens issued before it never work again, not even
    // after a reactivation. Deactivating also revokes every refresh-token family of the account, in the
    // same statement. Reactivating leaves them revoked: the user signs in again.
    private const string Sql = $"""
        WITH changed AS (
            UPDATE users
            SET token_version = token_version + CASE WHEN is_active <> @Active THEN 1 ELSE 0 END,
                is_active = @Active,
                updated_at = now()
            WHERE id = @UserId
            RETURNING *
        ), revoked AS (
            UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'deactivated'
            WHERE user_id = @UserId AND revoked_at IS NULL AND NOT @Active AND EXISTS (SELECT 1 FROM changed)
        )
        SELECT {UserSummary.Columns}
        FROM changed u
        """;

    public async ValueTask<Outcome<UserSummary>> Handle(SetUserActiveCommand command, CancellationToken ct)
    {
        if (command.UserId == command.AdminId && !command.Active)
        {
            return Outcome<UserSummary>.Conflict("You cannot deactivate your own account; another admin must do it, so the service always keeps an active admin.");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await AdminChange.LockAndCheckCallerAsync(connection, transaction, command.AdminId, command.UserId, ct))
        {
            return Outcome<UserSummary>.Forbidden(AdminChange.NoLongerAdmin);
        }
        var user = await connection.QuerySingleOrDefaultAsync<UserSummary>(new CommandDefinition(Sql, command, transaction, cancellationToken: ct));
        if (user is null)
        {
            return Outcome<UserSummary>.NotFound($"No user has id {command.UserId}.");
        }
        await transaction.CommitAsync(ct);
        accounts.Forget(command.UserId);
        logger.LogInformation("Admin {AdminId} set account {UserId} active = {Active}", command.AdminId, command.UserId, command.Active);
        return user;
    }
}

public static class SetUserActiveEndpoint
{
    public static RouteHandlerBuilder MapSetUserActive(this IEndpointRouteBuilder app) => app
        .MapPut("/{id:long}/active", HandleAsync)
        .WithName("SetUserActive")
        .WithSummary("Activate or deactivate an account")
        .WithDescription("Deactivate or reactivate an account (admin). " +
                         "A deactivated account cannot sign in; its access tokens stop working at once (within " +
                         "Auth:AccountCheckCacheSeconds on other instances) and its refresh tokens are revoked. Reversible, " +
                         "unlike a delete: its tasks and audit trail keep their author. An admin cannot deactivate themselves (409), " +
                         "so the last active admin stays; a caller whose own admin role was removed meanwhile gets 403.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<UserSummary>, Problem>> HandleAsync(
        long id, SetUserActiveRequest request, ClaimsPrincipal admin, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new SetUserActiveCommand(id, admin.UserId(), request.Active!.Value), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
