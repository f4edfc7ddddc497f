namespace TaskManager.Features.Tokens.RevokeToken;

public sealed record RevokeTokenCommand(long Id, long CallerId, bool CallerIsAdmin) : ICommand<Outcome<bool>>;

/// <summary>Revokes one of the caller's tokens (an admin, anyone's). Another user's token does not exist for the caller.
/// Every instance forgets what it knew of tokens before this answers, so the token is refused everywhere at once.</summary>
public sealed class RevokeTokenHandler(NpgsqlDataSource db, PersonalAccessTokenLookup tokens, ILogger<RevokeTokenHandler> logger)
    : ICommandHandler<RevokeTokenCommand, Outcome<bool>>
{
    private const string Sql = """
        UPDATE access_tokens SET revoked_at = now()
        WHERE id = @Id AND revoked_at IS NULL AND (user_id = @CallerId OR @CallerIsAdmin)
        """;

    public async ValueTask<Outcome<bool>> Handle(RevokeTokenCommand command, CancellationToken ct)
    {
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            if (await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct)) == 0)
            {
                return Outcome<bool>.NotFound($"You have no token with id {command.Id}.");
            }
        }
        await tokens.ForgetAllAsync();
        logger.LogInformation("Access token {TokenId} revoked by user {UserId}", command.Id, command.CallerId);
        return true;
    }
}

public static class RevokeTokenEndpoint
{
    public static RouteHandlerBuilder MapRevokeToken(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id:long}", HandleAsync)
        .WithName("RevokeToken")
        .WithSummary("Revoke a personal access token")
        .WithDescription("The token is refused from then on, on every instance. Another user's token answers 404 (an admin may revoke anyone's).")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RevokeTokenCommand(id, user.UserId(), user.IsInRole(Roles.Admin)), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
