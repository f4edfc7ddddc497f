namespace TaskManager.Features.Accounts.RefreshToken;

[RequestBody("refresh_token", Example = """{"refresh_token":"q0v3Y8mGQ1m8sXbqkJ0bq1lH2n4s3wVt9y7k5c6a8e0"}""")]
public sealed record RefreshTokenRequest(string? RefreshToken);

/// <summary>The same shape as the login answer: a new access token and the refresh token that replaces the one sent.</summary>
public sealed record RefreshTokenResponse(string Message, string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, string Username);

public sealed class RefreshTokenValidator : AbstractValidator<RefreshTokenRequest>
{
    public RefreshTokenValidator() =>
        RuleFor(r => r.RefreshToken).NotEmpty().WithMessage("refresh_token is required.")
            .MaximumLength(RefreshTokens.MaxLength).WithMessage($"refresh_token must be at most {RefreshTokens.MaxLength} characters long.");
}

public sealed record RefreshTokenCommand(string RefreshToken) : ICommand<Outcome<RefreshTokenResponse>>;

public sealed class RefreshTokenHandler(NpgsqlDataSource db, AccessTokenIssuer tokens, IOptions<AuthOptions> options, ILogger<RefreshTokenHandler> logger)
    : ICommandHandler<RefreshTokenCommand, Outcome<RefreshTokenResponse>>
{
    public const string Rejection = "The refresh token is invalid, expired or revoked. Sign in again.";

    // Spends the token only if it is unspent, unexpired, its family unrevoked and its account active, and
    // issues its successor in the same family, in one statement. Two requests racing with one token: the
    // second waits on the row lock, then finds it spent and is treated as reuse below.
    private const string RotateSql = """
        WITH spent AS (
            UPDATE refresh_tokens t SET used_at = now()
            FROM refresh_token_families f JOIN users u ON u.id = f.user_id
            WHERE t.token_hash = @TokenHash AND t.used_at IS NULL AND t.expires_at > now()
              AND f.id = t.family_id AND f.revoked_at IS NULL AND u.is_active
            RETURNING t.family_id, u.id, u.username, u.token_version
        ), issued AS (
            INSERT INTO refresh_tokens (token_hash, family_id, expires_at)
            SELECT @NextHash, family_id, now() + make_interval(days => @RefreshTokenDays) FROM spent
        ), purged AS (
            DELETE FROM refresh_tokens WHERE family_id = (SELECT family_id FROM spent) AND expires_at <= now()
        )
        SELECT s.id, s.username, s.token_version,
               ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                     WHERE ur.user_id = s.id ORDER BY r.id) AS roles
        FROM spent s
        """;

    // A spent token presented again means two parties hold the chain (one of them stole it): end the
    // whole family, so neither the thief's nor the victim's next token works, and the user signs in again.
    private const string RevokeReusedSql = """
        UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'reuse'
        FROM refresh_tokens t
        WHERE t.token_hash = @TokenHash AND t.used_at IS NOT NULL AND f.id = t.family_id AND f.revoked_at IS NULL
        RETURNING f.user_id
        """;

    public async ValueTask<Outcome<RefreshTokenResponse>> Handle(RefreshTokenCommand command, CancellationToken ct)
    {
        var hash = RefreshTokens.Hash(command.RefreshToken);
        var next = RefreshTokens.Create();
        await using var connection = await db.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<RefreshingUser>(new CommandDefinition(RotateSql, new
        {
            TokenHash = hash,
            NextHash = RefreshTokens.Hash(next),
            options.Value.RefreshTokenDays,
        }, cancellationToken: ct));
        if (user is null)
        {
            var victim = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(RevokeReusedSql, new { TokenHash = hash }, cancellationToken: ct));
            if (victim is not null)
            {
                logger.LogWarning("A spent refresh token of user {UserId} was presented again; its family is revoked", victim);
            }
            return Outcome<RefreshTokenResponse>.Unauthorized(Rejection);
        }

        var token = tokens.Issue(user.Id, user.Username, user.Roles, user.TokenVersion);
        return new RefreshTokenResponse("Token refreshed", token.Token, "Bearer", token.ExpiresInSeconds, next, user.Username);
    }

    private sealed class RefreshingUser
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public int TokenVersion { get; init; }
        public string[] Roles { get; init; } = [];
    }
}

public static class RefreshTokenEndpoint
{
    public static RouteHandlerBuilder MapRefreshToken(this IEndpointRouteBuilder app) => app
        .MapPost("/token/refresh", HandleAsync)
        .WithName("RefreshToken")
        .WithSummary("Refresh the tokens")
        .WithDescription("Exchange a refresh token for a new access token and refresh token; the one sent is spent. " +
                         "Presenting a spent refresh token again revokes every token of its sign-in.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<Results<Ok<RefreshTokenResponse>, Problem>> HandleAsync(
        RefreshTokenRequest request, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RefreshTokenCommand(request.RefreshToken!), ct);
        http.Response.Headers.CacheControl = "no-store";
        return outcome.ToResult(TypedResults.Ok);
    }
}
