using TaskManager.Features.Accounts;

namespace TaskManager.Features.Tokens.CreateToken;

/// <summary>`expires_in_days`: a whole number of days, 1 to 365; 90 when left out.</summary>
[RequestBody("name", "scopes", Example = """{"name":"CI nightly export","scopes":["tasks:read","imports"],"expires_in_days":30}""")]
public sealed record CreateTokenRequest(string? Name, string[]? Scopes, int? ExpiresInDays);

public sealed class CreateTokenValidator : AbstractValidator<CreateTokenRequest>
{
    public CreateTokenValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("name is required.")
            .MaximumLength(TokenRules.MaxNameLength).WithMessage($"name must be at most {TokenRules.MaxNameLength} characters long.")
            .NoControlCharacters("name");
        RuleFor(r => r.Scopes).NotEmpty().WithMessage($"scopes is required: one or more of {string.Join(", ", TokenScopes.All)}.");
        RuleForEach(r => r.Scopes)
            .Must(scope => scope is not null && TokenScopes.All.Contains(scope))
            .WithMessage((_, scope) => $"'{scope}' is not a scope. Scopes are: {string.Join(", ", TokenScopes.All)}.");
        RuleFor(r => r.ExpiresInDays).InclusiveBetween(1, TokenRules.MaxDays)
            .WithMessage($"expires_in_days must be a whole number from 1 to {TokenRules.MaxDays}.");
    }
}

/// <summary>The new token with its secret: the only time `token` is shown.</summary>
public sealed record CreatedTokenResponse
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public required string[] Scopes { get; init; }
    public required string Token { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
}

public sealed record CreateTokenCommand(long UserId, string[] UserRoles, string Name, string[] Scopes, int Days) : ICommand<Outcome<CreatedTokenResponse>>;

public sealed class CreateTokenHandler(NpgsqlDataSource db) : ICommandHandler<CreateTokenCommand, Outcome<CreatedTokenResponse>>
{
    // Taken first, in a statement of its own, so the count below (a new snapshot) sees a concurrent create by the same
    // user once it has committed: two creates at the limit cannot both pass.
    private const string LockSql = "SELECT id FROM users WHERE id = @UserId FOR NO KEY UPDATE";

    private const string Sql = $"""
        INSERT INTO access_tokens (user_id, name, token_hash, scopes, expires_at)
        SELECT @UserId, @Name, @Hash, @Scopes, now() + make_interval(days => @Days)
        WHERE (SELECT count(*) FROM access_tokens WHERE user_id = @UserId AND revoked_at IS NULL AND expires_at > now()) < @Limit
        RETURNING {TokenResponse.Columns}
        """;

    public async ValueTask<Outcome<CreatedTokenResponse>> Handle(CreateTokenCommand command, CancellationToken ct)
    {
        // A token never does more than its user; one asking for a scope its user cannot use is a mistake worth naming now.
        if (command.Scopes.FirstOrDefault(scope => !TokenScopes.RolesFor(scope).Intersect(command.UserRoles).Any()) is { } unusable)
        {
            return Outcome<CreatedTokenResponse>.Invalid("scopes",
                $"The scope '{unusable}' needs the role {string.Join(" or ", TokenScopes.RolesFor(unusable))}, which your account does not hold.");
        }
        var token = PersonalAccessTokens.New();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, command, transaction, cancellationToken: ct));
        var row = await connection.QuerySingleOrDefaultAsync<TokenResponse>(new CommandDefinition(Sql, new
        {
            command.UserId,
            command.Name,
            Hash = PersonalAccessTokens.Hash(token),
            command.Scopes,
            command.Days,
            Limit = TokenRules.MaxLivePerUser,
        }, transaction, cancellationToken: ct));
        if (row is null)
        {
            return Outcome<CreatedTokenResponse>.Conflict(
                $"You hold {TokenRules.MaxLivePerUser} live tokens, the most one user may; revoke one of them first.");
        }
        await transaction.CommitAsync(ct);
        return new CreatedTokenResponse
        {
            Id = row.Id,
            Name = row.Name,
            Scopes = row.Scopes,
            Token = token,
            CreatedAt = row.CreatedAt,
            ExpiresAt = row.ExpiresAt,
            LastUsedAt = row.LastUsedAt,
        };
    }
}

public static class CreateTokenEndpoint
{
    public static RouteHandlerBuilder MapCreateToken(this IEndpointRouteBuilder app) => app
        .MapPost("", HandleAsync)
        .WithName("CreateToken")
        .WithSummary("Create a personal access token")
        .WithDescription("Makes a token (tmpat_...) that acts as you, within its scopes, until it expires or is revoked. The answer holds the " +
                         "token, shown only here: send it as `Authorization: Bearer tmpat_...`. Scopes: tasks:read (projects, tasks, the log), " +
                         "tasks:write (also create, change and delete them), imports, webhooks (managers and admins), admin (admins). " +
                         "A token never does more than its user may. Only a password session may create tokens. One user may hold " +
                         "100 live tokens; one more is a 409.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<CreatedTokenResponse>, Problem>> HandleAsync(
        CreateTokenRequest request, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        // A token in a response must never be stored by a cache between here and the client.
        http.Response.Headers.CacheControl = "no-store";
        var requested = request.Scopes!.ToHashSet();
        var scopes = TokenScopes.All.Where(requested.Contains).ToArray(); // in the catalogue's order, without repeats
        var roles = user.FindAll(AuthExtensions.RoleClaim).Select(c => c.Value).ToArray();
        var outcome = await mediator.Send(new CreateTokenCommand(user.UserId(), roles, request.Name!.Trim(), scopes,
            request.ExpiresInDays ?? TokenRules.DefaultDays), ct);
        return outcome.ToResult(token => TypedResults.Created($"/api/v2/tokens/{token.Id}", token));
    }
}
