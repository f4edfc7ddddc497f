using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.Mediation;

namespace TaskManager.Features.Accounts.Login;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record LoginResponse(string Message, string AccessToken, string TokenType, int ExpiresIn, string Username);

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Username).NotEmpty().WithMessage("Username is required.")
            .MaximumLength(80).WithMessage("Username must be at most 80 characters long.");
        // The cap keeps a megabyte "password" from buying a megabyte of hashing.
        RuleFor(r => r.Password).NotEmpty().WithMessage("Password is required.")
            .MaximumLength(128).WithMessage("Password must be at most 128 characters long.");
    }
}

public sealed record LoginCommand(string Username, string Password) : ICommand<Outcome<LoginResponse>>;

public sealed class LoginHandler(NpgsqlDataSource db, IPasswordHasher<object> hasher, AccessTokenIssuer tokens)
    : ICommandHandler<LoginCommand, Outcome<LoginResponse>>
{
    public const string Rejection = "Invalid username or password.";

    private const string FindUserSql = """
        SELECT u.id, u.username, u.password_hash, u.is_active,
               ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                     WHERE ur.user_id = u.id ORDER BY r.id) AS roles
        FROM users u
        WHERE lower(u.username) = lower(@Username)
        """;

    private const string RehashSql = "UPDATE users SET password_hash = @PasswordHash, updated_at = now() WHERE id = @Id";

    // Verified when the user does not exist, so an unknown name costs the same time as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<object>().HashPassword(new object(), Guid.NewGuid().ToString()));

    public async ValueTask<Outcome<LoginResponse>> Handle(LoginCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<LoginUser>(new CommandDefinition(FindUserSql, command, cancellationToken: ct));
        if (user is null)
        {
            hasher.VerifyHashedPassword(command, DecoyHash.Value, command.Password);
            return Outcome<LoginResponse>.Unauthorized(Rejection);
        }

        var verdict = hasher.VerifyHashedPassword(command, user.PasswordHash, command.Password);
        if (verdict == PasswordVerificationResult.Failed || !user.IsActive)
        {
            return Outcome<LoginResponse>.Unauthorized(Rejection);
        }
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The work factor was raised since this hash was made: upgrade it while we hold the password.
            await connection.ExecuteAsync(new CommandDefinition(RehashSql,
                new { user.Id, PasswordHash = hasher.HashPassword(command, command.Password) }, cancellationToken: ct));
        }

        var token = tokens.Issue(user.Id, user.Username, user.Roles);
        return new LoginResponse("Login successful", token.Token, "Bearer", token.ExpiresInSeconds, user.Username);
    }

    // Init properties rather than a constructor: Dapper reads text[] as System.Array, which no string[]
    // constructor parameter matches, but it converts on assignment.
    private sealed class LoginUser
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public bool IsActive { get; init; }
        public string[] Roles { get; init; } = [];
    }
}

public static class LoginEndpoint
{
    public static RouteHandlerBuilder MapLogin(this IEndpointRouteBuilder app) => app
        .MapPost("/login", HandleAsync)
        .WithName("Login")
        .WithSummary("Exchange a username and password for an access token.");

    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, UnauthorizedProblem>> HandleAsync(
        LoginRequest request, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new LoginCommand(request.Username!, request.Password!), ct);
        // A token in a response must never be stored by a cache between here and the client.
        http.Response.Headers.CacheControl = "no-store";
        return outcome.IsOk ? TypedResults.Ok(outcome.Value) : new UnauthorizedProblem(outcome.Error);
    }
}
