namespace TaskManager.Features.Webhooks.RetryDelivery;

public sealed record RetryDeliveryResponse(string Message, Guid DeliveryId);

public sealed record RetryDeliveryCommand(long WebhookId, Guid DeliveryId, Caller Caller) : ICommand<Outcome<RetryDeliveryResponse>>;

/// <summary>Sends a delivery again as soon as possible, whatever its status, with the same webhook-id.</summary>
public sealed class RetryDeliveryHandler(NpgsqlDataSource db) : ICommandHandler<RetryDeliveryCommand, Outcome<RetryDeliveryResponse>>
{
    private static readonly string Sql = $"""
        UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), completed_at = NULL
        WHERE d.id = @DeliveryId AND d.subscription_id = @WebhookId
          AND EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = @WebhookId AND {WebhookRules.Visible})
          AND {WebhookRules.DeliveryVisible("d.project_id")}
        """;

    public async ValueTask<Outcome<RetryDeliveryResponse>> Handle(RetryDeliveryCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(Sql, new { command.WebhookId, command.DeliveryId, command.Caller.CallerId, command.Caller.CallerIsAdmin }, cancellationToken: ct));
        return updated == 0
            ? Outcome<RetryDeliveryResponse>.NotFound($"Webhook {command.WebhookId} has no delivery {command.DeliveryId}.")
            : new RetryDeliveryResponse("Delivery queued", command.DeliveryId);
    }
}

public static class RetryDeliveryEndpoint
{
    public static RouteHandlerBuilder MapRetryDelivery(this IEndpointRouteBuilder app) => app
        .MapPost("/{id}/deliveries/{delivery_id}/retry", HandleAsync)
        .WithName("RetryDelivery")
        .WithSummary("Retry a delivery")
        .WithDescription("Sends the delivery again as soon as a worker can, with the same webhook-id.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Accepted<RetryDeliveryResponse>, Problem>> HandleAsync(long id, [FromRoute(Name = "delivery_id")] Guid deliveryId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RetryDeliveryCommand(id, deliveryId, Caller.From(user)), ct);
        return outcome.ToResult(retried => TypedResults.Accepted($"/api/v2/webhooks/{id}/deliveries", retried));
    }
}
