using Microsoft.AspNetCore.Identity;

namespace TaskManager.Features.Accounts.Login;

[RequestBody("username", "password", Example = """{"username":"alice","password":"correct-horse-battery-1"}""")]
public sealed record LoginRequest(string? Username, string? Password);

public sealed record LoginResponse(string Message, string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, string Username);

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Username).NotEmpty().WithMessage("Username is required.")
            .MaximumLength(80).WithMessage("Username must be at most 80 characters long.")
            .NoControlCharacters("Username");
        // The cap keeps a megabyte "password" from buying a megabyte of hashing.
        RuleFor(r => r.Password).NotEmpty().WithMessage("Password is required.")
            .MaximumLength(128).WithMessage("Password must be at most 128 characters long.")
            .NoControlCharacters("Password");
    }
}

public sealed record LoginCommand(string Username, string Password) : ICommand<Outcome<LoginResponse>>;

public sealed class LoginHandler(NpgsqlDataSource db, IPasswordHasher<object> hasher, PasswordDecoy decoy, AccessTokenIssuer tokens,
    IOptions<AuthOptions> options, ILogger<LoginHandler> logger) : ICommandHandler<LoginCommand, Outcome<LoginResponse>>
{
    public const string Rejection = "Invalid username or password.";

    private const string FindUserSql = """
        SELECT u.id, u.username, u.password_hash, u.is_active, u.token_version,
               coalesce(u.locked_until > now(), false) AS locked,
               ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                     WHERE ur.user_id = u.id ORDER BY r.id) AS roles
        FROM users u
        WHERE lower(u.username) = lower(@Username)
        """;

    // A sign-in starts a refresh-token family. The same statement clears the failure count and drops this
    // user's families with no live token left, which keeps the tables in proportion to live sign-ins.
    private const string SignedInSql = """
        WITH cleared AS (
            UPDATE users SET failed_logins = 0, locked_until = NULL
            WHERE id = @UserId AND (failed_logins <> 0 OR locked_until IS NOT NULL)
        ), purged AS (
            DELETE FROM refresh_token_families f
            WHERE f.user_id = @UserId
              AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id AND t.expires_at > now())
        ), family AS (
            INSERT INTO refresh_token_families (id, user_id) VALUES (@FamilyId, @UserId)
            RETURNING id
        )
        INSERT INTO refresh_tokens (token_hash, family_id, expires_at)
        SELECT @TokenHash, id, now() + make_interval(days => @RefreshTokenDays) FROM family
        """;

    private const string RehashSql = "UPDATE users SET password_hash = @PasswordHash, updated_at = now() WHERE id = @Id";

    public async ValueTask<Outcome<LoginResponse>> Handle(LoginCommand command, CancellationToken ct)
    {
        var settings = options.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<LoginUser>(new CommandDefinition(FindUserSql, command, cancellationToken: ct));

        var verdict = PasswordVerificationResult.Failed;
        if (user is null)
        {
            decoy.Verify(command.Password);
        }
        else
        {
            verdict = hasher.VerifyHashedPassword(command, user.PasswordHash, command.Password);
        }

        if (user is null || user.Locked || !user.IsActive || verdict == PasswordVerificationResult.Failed)
        {
            var counts = verdict == PasswordVerificationResult.Failed;
            if (await FailedLogins.RecordAsync(connection, command.Username, counts, settings, ct))
            {
                logger.LogWarning("Account {Username} locked for {Minutes} min after {Failures} failed logins",
                    user?.Username, settings.LockoutMinutes, settings.MaxFailedLogins);
            }
            return Outcome<LoginResponse>.Unauthorized(Rejection);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The work factor was raised since this hash was made: upgrade it while we hold the password.
            await connection.ExecuteAsync(new CommandDefinition(RehashSql,
                new { user.Id, PasswordHash = hasher.HashPassword(command, command.Password) }, cancellationToken: ct));
        }

        var refreshToken = RefreshTokens.Create();
        await connection.ExecuteAsync(new CommandDefinition(SignedInSql, new
        {
            UserId = user.Id,
            FamilyId = Guid.CreateVersion7(),
            TokenHash = RefreshTokens.Hash(refreshToken),
            settings.RefreshTokenDays,
        }, cancellationToken: ct));

        var token = tokens.Issue(user.Id, user.Username, user.Roles, user.TokenVersion);
        return new LoginResponse("Login successful", token.Token, "Bearer", token.ExpiresInSeconds, refreshToken, user.Username);
    }

    // Init properties rather than a constructor: Dapper reads text[] as System.Array, which no string[]
    // constructor parameter matches, but it converts on assignment.
    private sealed class LoginUser
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public bool IsActive { get; init; }
        public int TokenVersion { get; init; }
        public bool Locked { get; init; }
        public string[] Roles { get; init; } = [];
    }
}

public static class LoginEndpoint
{
    public static RouteHandlerBuilder MapLogin(this IEndpointRouteBuilder app) => app
        .MapPost("/login", HandleAsync)
        .WithName("Login")
        .WithSummary("Sign in")
        .WithDescription("Exchange a username and password for an access token and a refresh token. " +
                         "Repeated failures lock the account for a while (Auth:MaxFailedLogins, Auth:LockoutMinutes); " +
                         "the answer is the same 401 for an unknown user, a wrong password and a locked account.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<Results<Ok<LoginResponse>, Problem>> HandleAsync(
        LoginRequest request, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new LoginCommand(request.Username!, request.Password!), ct);
        // A token in a response must never be stored by a cache between here and the client.
        http.Response.Headers.CacheControl = "no-store";
        return outcome.ToResult(TypedResults.Ok);
    }
}
