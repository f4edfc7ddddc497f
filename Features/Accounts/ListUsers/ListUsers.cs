namespace TaskManager.Features.Accounts.ListUsers;

public sealed record ListUsersRequest(
    [property: FromQuery(Name = "page")] int? Page,
    [property: FromQuery(Name = "per_page")] int? PerPage);

public sealed class ListUsersValidator : AbstractValidator<ListUsersRequest>
{
    public ListUsersValidator()
    {
        RuleFor(r => r.Page).ValidPage();
        RuleFor(r => r.PerPage).ValidPerPage();
    }
}

public sealed record ListUsersResponse(IReadOnlyList<UserSummary> Users, long Total, int Pages, int CurrentPage, int PerPage);

public sealed record ListUsersQuery(int Page, int PerPage) : IQuery<ListUsersResponse>;

public sealed class ListUsersHandler(NpgsqlDataSource db) : IQueryHandler<ListUsersQuery, ListUsersResponse>
{
    private const string Sql = $"""
        SELECT count(*) FROM users;

        SELECT {UserSummary.Columns}
        FROM users u
        ORDER BY u.id
        LIMIT @PerPage OFFSET @Offset;
        """;

    public async ValueTask<ListUsersResponse> Handle(ListUsersQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { query.PerPage, Offset = (long)(query.Page - 1) * query.PerPage }, cancellationToken: ct));
        var total = await results.ReadSingleAsync<long>();
        var users = (await results.ReadAsync<UserSummary>()).AsList();
        return new ListUsersResponse(users, total, Paging.Pages(total, query.PerPage), query.Page, query.PerPage);
    }
}

public static class ListUsersEndpoint
{
    public static RouteHandlerBuilder MapListUsers(this IEndpointRouteBuilder app) => app
        .MapGet("/", HandleAsync)
        .WithName("ListUsers")
        .WithSummary("List accounts")
        .WithDescription("Every account, oldest first (admin).")
        .ProducesValidationProblem();

    private static async Task<Ok<ListUsersResponse>> HandleAsync(
        [AsParameters] ListUsersRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListUsersQuery(request.Page ?? 1, request.PerPage ?? Paging.DefaultPerPage), ct));
}
