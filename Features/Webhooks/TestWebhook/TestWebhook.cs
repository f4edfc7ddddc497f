using System.Text.Json.Nodes;

namespace TaskManager.Features.Webhooks.TestWebhook;

public sealed record TestWebhookResponse(string Message, Guid DeliveryId);

public sealed record TestWebhookCommand(long Id, Caller Caller) : ICommand<Outcome<TestWebhookResponse>>;

/// <summary>Queues a webhook.test delivery to an active subscription (any subscription, whatever its events).</summary>
public sealed class TestWebhookHandler(NpgsqlDataSource db, TimeProvider clock) : ICommandHandler<TestWebhookCommand, Outcome<TestWebhookResponse>>
{
    private const string Sql = $"""
        WITH s AS (SELECT id, active FROM webhook_subscriptions WHERE id = @Id AND {WebhookRules.Visible} FOR SHARE OF webhook_subscriptions),
        queued AS (
            INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, next_attempt_at)
            SELECT id, gen_random_uuid(), @Type, @Body, now() FROM s WHERE active
            RETURNING id
        )
        SELECT (SELECT active FROM s) AS active, (SELECT id FROM queued) AS delivery_id
        """;

    public async ValueTask<Outcome<TestWebhookResponse>> Handle(TestWebhookCommand command, CancellationToken ct)
    {
        var body = WebhookPayload.Build(WebhookEvents.Test, clock.GetUtcNow().UtcDateTime,
            new JsonObject { ["webhook_id"] = command.Id, ["message"] = "This is a test event from TaskManager." });
        await using var connection = await db.OpenConnectionAsync(ct);
        var (active, deliveryId) = await connection.QuerySingleAsync<(bool?, Guid?)>(new CommandDefinition(Sql,
            new { command.Id, Type = WebhookEvents.Test, Body = body, command.Caller.CallerId, command.Caller.CallerIsAdmin }, cancellationToken: ct));
        return active switch
        {
            null => Outcome<TestWebhookResponse>.NotFound($"No webhook has id {command.Id}."),
            false => Outcome<TestWebhookResponse>.Conflict("The webhook is inactive; set active: true first."),
            true => new TestWebhookResponse("Test event queued", deliveryId!.Value),
        };
    }
}

public static class TestWebhookEndpoint
{
    public static RouteHandlerBuilder MapTestWebhook(this IEndpointRouteBuilder app) => app
        .MapPost("/{id}/test", HandleAsync)
        .WithName("TestWebhook")
        .WithSummary("Send a test event")
        .WithDescription("Queues a webhook.test event to the subscription; 409 when it is inactive.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Accepted<TestWebhookResponse>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new TestWebhookCommand(id, Caller.From(user)), ct);
        return outcome.ToResult(queued => TypedResults.Accepted($"/api/v2/webhooks/{id}/deliveries", queued));
    }
}
