namespace TaskManager.Features.Accounts.SetUserRoles;

/// <summary>The account's complete set of roles. `user` is always kept: every account is a user. Other
/// fields in the body are ignored.</summary>
[RequestBody("roles", Example = """{"roles":["user","manager"]}""")]
public sealed record SetUserRolesRequest(string[]? Roles);

public sealed class SetUserRolesValidator : AbstractValidator<SetUserRolesRequest>
{
    public SetUserRolesValidator()
    {
        RuleFor(r => r.Roles).NotNull().WithMessage("roles is required: the account's complete list of roles.");
        RuleForEach(r => r.Roles)
            .Must(role => role is not null && Roles.All.Contains(role.Trim().ToLowerInvariant()))
            .WithMessage((_, role) => $"'{role}' is not a role. Roles are: {string.Join(", ", Roles.All)}.");
    }
}

public sealed record SetUserRolesCommand(long UserId, long AdminId, string[] Roles) : ICommand<Outcome<UserSummary>>;

public sealed class SetUserRolesHandler(NpgsqlDataSource db, AccountStatus accounts) : ICommandHandler<SetUserRolesCommand, Outcome<UserSummary>>
{
    // Read once AdminChange holds the row's lock, so no concurrent change can slip in between.
    private const string ReadSql = $"""
        SELECT {UserSummary.Columns}
        FROM users u
        WHERE u.id = @UserId
        """;

    // Raising token_version ends the account's access tokens issued under the old roles; its refresh
    // tokens stay valid and mint tokens with the new ones.
    private const string ReplaceSql = """
        WITH removed AS (
            DELETE FROM user_roles ur
            USING roles r
            WHERE ur.user_id = @UserId AND r.id = ur.role_id AND NOT (r.name = ANY(@Roles))
        ), added AS (
            INSERT INTO user_roles (user_id, role_id)
            SELECT @UserId, r.id FROM roles r WHERE r.name = ANY(@Roles)
            ON CONFLICT DO NOTHING
        )
        UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = @UserId
        """;

    public async ValueTask<Outcome<UserSummary>> Handle(SetUserRolesCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await AdminChange.LockAndCheckCallerAsync(connection, transaction, command.AdminId, command.UserId, ct))
        {
            return Outcome<UserSummary>.Forbidden(AdminChange.NoLongerAdmin);
        }
        var user = await connection.QuerySingleOrDefaultAsync<UserSummary>(new CommandDefinition(ReadSql, command, transaction, cancellationToken: ct));
        if (user is null)
        {
            return Outcome<UserSummary>.NotFound($"No user has id {command.UserId}.");
        }
        if (user.Id == command.AdminId && !command.Roles.Contains(Roles.Admin))
        {
            // An admin who demotes themselves may leave no admin at all, and no one able to undo it.
            return Outcome<UserSummary>.Conflict("You cannot remove your own admin role; another admin must do it, so the service always keeps an admin.");
        }
        if (user.Roles.Order().SequenceEqual(command.Roles.Order()))
        {
            // Nothing changes, so the account's tokens need not end.
            return user;
        }

        await connection.ExecuteAsync(new CommandDefinition(ReplaceSql, command, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        accounts.Forget(command.UserId);
        return user with { Roles = command.Roles };
    }
}

public static class SetUserRolesEndpoint
{
    public static RouteHandlerBuilder MapSetUserRoles(this IEndpointRouteBuilder app) => app
        .MapPut("/{id:long}/roles", HandleAsync)
        .WithName("SetUserRoles")
        .WithSummary("Set an account's roles")
        .WithDescription("Replace an account's roles (admin). " +
                         "`user` is always kept. The account's access tokens issued before the change stop working at once; " +
                         "its refresh tokens go on and return tokens with the new roles. An admin cannot remove their own admin role (409), " +
                         "so the last admin stays; a caller whose own admin role was removed meanwhile gets 403.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<UserSummary>, Problem>> HandleAsync(
        long id, SetUserRolesRequest request, ClaimsPrincipal admin, IMediator mediator, CancellationToken ct)
    {
        // In the order of Roles.All, so the answer lists them as every other route does.
        var requested = request.Roles!.Select(r => r.Trim().ToLowerInvariant()).Append(Roles.User).ToHashSet();
        var roles = Roles.All.Where(requested.Contains).ToArray();
        var outcome = await mediator.Send(new SetUserRolesCommand(id, admin.UserId(), roles), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
