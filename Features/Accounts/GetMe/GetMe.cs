namespace TaskManager.Features.Accounts.GetMe;

public sealed record MeResponse
{
    public required long Id { get; init; }
    public required string Username { get; init; }
    public required string Email { get; init; }
    public required string[] Roles { get; init; }
}

public sealed record GetMeQuery(long UserId) : IQuery<Outcome<MeResponse>>;

public sealed class GetMeHandler(NpgsqlDataSource db) : IQueryHandler<GetMeQuery, Outcome<MeResponse>>
{
    private const string Sql = """
        SELECT u.id, u.username, u.email,
               ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                     WHERE ur.user_id = u.id ORDER BY r.id) AS roles
        FROM users u
        WHERE u.id = @UserId AND u.is_active
        """;

    public async ValueTask<Outcome<MeResponse>> Handle(GetMeQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var me = await connection.QuerySingleOrDefaultAsync<MeResponse>(new CommandDefinition(Sql, query, cancellationToken: ct));
        // A valid token for an account that is gone or deactivated no longer identifies anyone.
        return me ?? Outcome<MeResponse>.Unauthorized("This account no longer exists or has been deactivated.");
    }
}

public static class GetMeEndpoint
{
    public static RouteHandlerBuilder MapMe(this IEndpointRouteBuilder app) => app
        .MapGet("/me", HandleAsync)
        .WithName("GetMe")
        .WithSummary("Get my account")
        .WithDescription("The signed-in user's account and roles.")
        .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<Results<Ok<MeResponse>, Problem>> HandleAsync(ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetMeQuery(user.UserId()), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
