using Microsoft.AspNetCore.Identity;

namespace TaskManager.Features.Accounts.Register;

/// <summary>A new account. Any other field in the body (roles, id, ...) is ignored: registration always yields role `user`.</summary>
[RequestBody("username", "email", "password", Example = """{"username":"alice","email":"alice@example.com","password":"correct-horse-battery-1"}""")]
public sealed record RegisterRequest(string? Username, string? Email, string? Password);

public sealed record RegisterResponse(string Message, long Id, string Username);

public sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(r => r.Username).ValidUsername();
        RuleFor(r => r.Email).ValidEmail();
        RuleFor(r => r.Password).ValidPassword();
    }
}

public sealed record RegisterCommand(string Username, string Email, string Password, IReadOnlyList<string> Roles) : ICommand<Outcome<RegisterResponse>>;

public sealed class RegisterHandler(NpgsqlDataSource db, IPasswordHasher<object> hasher) : ICommandHandler<RegisterCommand, Outcome<RegisterResponse>>
{
    private const string FindTakenSql = """
        SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(@Username)) AS username_taken,
               EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(@Email)) AS email_taken
        """;

    // ON CONFLICT DO NOTHING covers both case-insensitive unique indexes, so two concurrent sign-ups
    // of one name end with one account and one clean 409, not a 500.
    private const string InsertSql = """
        WITH inserted AS (
            INSERT INTO users (username, email, password_hash)
            VALUES (@Username, @Email, @PasswordHash)
            ON CONFLICT DO NOTHING
            RETURNING id
        ), granted AS (
            INSERT INTO user_roles (user_id, role_id)
            SELECT inserted.id, roles.id FROM inserted CROSS JOIN roles WHERE roles.name = ANY(@Roles)
        )
        SELECT id FROM inserted
        """;

    public async ValueTask<Outcome<RegisterResponse>> Handle(RegisterCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var taken = await connection.QuerySingleAsync<Taken>(new CommandDefinition(FindTakenSql, command, cancellationToken: ct));
        if (taken.Conflict is { } conflict)
        {
            return Outcome<RegisterResponse>.Conflict(conflict);
        }

        var hash = hasher.HashPassword(command, command.Password);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(InsertSql,
            new { command.Username, command.Email, PasswordHash = hash, Roles = command.Roles.ToArray() }, cancellationToken: ct));
        if (id is null)
        {
            // Lost a race with a concurrent registration: report which field it took.
            taken = await connection.QuerySingleAsync<Taken>(new CommandDefinition(FindTakenSql, command, cancellationToken: ct));
            return Outcome<RegisterResponse>.Conflict(taken.Conflict ?? "Username or email is already registered.");
        }
        return new RegisterResponse("User registered successfully", id.Value, command.Username);
    }

    private sealed record Taken(bool UsernameTaken, bool EmailTaken)
    {
        public string? Conflict => UsernameTaken ? "Username is already taken." : EmailTaken ? "Email is already registered." : null;
    }
}

public static class RegisterEndpoint
{
    public static RouteHandlerBuilder MapRegister(this IEndpointRouteBuilder app) => app
        .MapPost("/register", HandleAsync)
        .WithName("Register")
        .WithSummary("Create an account")
        .WithDescription("Create an account with role `user`.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<RegisterResponse>, Problem>> HandleAsync(
        RegisterRequest request, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RegisterCommand(request.Username!, request.Email!, request.Password!, [Infrastructure.Auth.Roles.User]), ct);
        return outcome.ToResult(account => TypedResults.Created($"/api/users/{account.Id}", account));
    }
}
