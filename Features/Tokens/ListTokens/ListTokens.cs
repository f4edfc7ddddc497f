namespace TaskManager.Features.Tokens.ListTokens;

public sealed record TokensList(IReadOnlyList<TokenResponse> Tokens);

public sealed record ListTokensQuery(long CallerId, bool CallerIsAdmin, long UserId) : IQuery<Outcome<TokensList>>;

/// <summary>A user's unrevoked tokens, newest first, expired ones included (so their owner sees why a script stopped).
/// A user holds at most <see cref="TokenRules.MaxLivePerUser"/> live ones, so the list has no pages.</summary>
public sealed class ListTokensHandler(NpgsqlDataSource db) : IQueryHandler<ListTokensQuery, Outcome<TokensList>>
{
    private const string Sql = $"""
        SELECT {TokenResponse.Columns} FROM access_tokens
        WHERE user_id = @UserId AND revoked_at IS NULL
        ORDER BY id DESC
        LIMIT 1000
        """;

    public async ValueTask<Outcome<TokensList>> Handle(ListTokensQuery query, CancellationToken ct)
    {
        if (query.UserId != query.CallerId && !query.CallerIsAdmin)
        {
            return Outcome<TokensList>.Forbidden("Only an admin may list another user's tokens.");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var tokens = await connection.QueryAsync<TokenResponse>(new CommandDefinition(Sql, query, cancellationToken: ct));
        return new TokensList(tokens.AsList());
    }
}

public static class ListTokensEndpoint
{
    public static RouteHandlerBuilder MapListTokens(this IEndpointRouteBuilder app) => app
        .MapGet("", HandleAsync)
        .WithName("ListTokens")
        .WithSummary("List my personal access tokens")
        .WithDescription("The caller's unrevoked tokens, newest first, expired ones included; the tokens themselves are never shown again. " +
                         "An admin may pass `user_id` to list another user's.")
        .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<Results<Ok<TokensList>, Problem>> HandleAsync(
        ClaimsPrincipal user, IMediator mediator, CancellationToken ct, [FromQuery(Name = "user_id")] long? userId = null)
    {
        var outcome = await mediator.Send(new ListTokensQuery(user.UserId(), user.IsInRole(Roles.Admin), userId ?? user.UserId()), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
