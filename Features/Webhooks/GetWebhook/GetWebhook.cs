namespace TaskManager.Features.Webhooks.GetWebhook;

public sealed record GetWebhookQuery(long Id, Caller Caller) : IQuery<Outcome<WebhookResponse>>;

public sealed class GetWebhookHandler(NpgsqlDataSource db) : IQueryHandler<GetWebhookQuery, Outcome<WebhookResponse>>
{
    private const string Sql = $"SELECT {WebhookRules.Columns} FROM webhook_subscriptions WHERE id = @Id AND {WebhookRules.Visible}";

    public async ValueTask<Outcome<WebhookResponse>> Handle(GetWebhookQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<WebhookResponse>(new CommandDefinition(Sql, new { query.Id, query.Caller.CallerId, query.Caller.CallerIsAdmin }, cancellationToken: ct));
        return row is null ? Outcome<WebhookResponse>.NotFound($"No webhook has id {query.Id}.") : row;
    }
}

public static class GetWebhookEndpoint
{
    public static RouteHandlerBuilder MapGetWebhook(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", HandleAsync)
        .WithName("GetWebhook")
        .WithSummary("Get a webhook")
        .WithDescription("One subscription, without its secret.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<WebhookResponse>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetWebhookQuery(id, Caller.From(user)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
