namespace TaskManager.Features.Accounts.Logout;

[RequestBody("refresh_token", Example = """{"refresh_token":"q0v3Y8mGQ1m8sXbqkJ0bq1lH2n4s3wVt9y7k5c6a8e0"}""")]
public sealed record LogoutRequest(string? RefreshToken);

public sealed class LogoutValidator : AbstractValidator<LogoutRequest>
{
    public LogoutValidator() =>
        RuleFor(r => r.RefreshToken).NotEmpty().WithMessage("refresh_token is required.")
            .MaximumLength(RefreshTokens.MaxLength).WithMessage($"refresh_token must be at most {RefreshTokens.MaxLength} characters long.");
}

public sealed record LogoutCommand(string RefreshToken) : ICommand;

public sealed class LogoutHandler(NpgsqlDataSource db) : ICommandHandler<LogoutCommand>
{
    // Ends the whole sign-in the token belongs to, whichever of its tokens is sent.
    private const string Sql = """
        UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'logout'
        FROM refresh_tokens t
        WHERE t.token_hash = @TokenHash AND f.id = t.family_id AND f.revoked_at IS NULL
        """;

    public async ValueTask<Unit> Handle(LogoutCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { TokenHash = RefreshTokens.Hash(command.RefreshToken) }, cancellationToken: ct));
        return Unit.Value;
    }
}

public static class LogoutEndpoint
{
    public static RouteHandlerBuilder MapLogout(this IEndpointRouteBuilder app) => app
        .MapPost("/logout", HandleAsync)
        .WithName("Logout")
        .WithSummary("Sign out")
        .WithDescription("Revoke the sign-in a refresh token belongs to. " +
                         "Holding the refresh token is the right to revoke it (as in RFC 7009), so no access token is needed. " +
                         "The answer is 204 whether or not the token was live, which tells a caller nothing about other people's tokens. " +
                         "Access tokens already issued run out on their own (Jwt:AccessTokenMinutes).")
        .ProducesValidationProblem();

    private static async Task<NoContent> HandleAsync(LogoutRequest request, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new LogoutCommand(request.RefreshToken!), ct);
        return TypedResults.NoContent();
    }
}
