namespace TaskManager.Features.Webhooks.DeleteWebhook;

public sealed record DeleteWebhookCommand(long Id, Caller Caller) : ICommand<Outcome<bool>>;

/// <summary>Deletes the subscription and, with it, its waiting deliveries: nothing more is sent to it.</summary>
public sealed class DeleteWebhookHandler(NpgsqlDataSource db) : ICommandHandler<DeleteWebhookCommand, Outcome<bool>>
{
    private const string Sql = $"DELETE FROM webhook_subscriptions WHERE id = @Id AND {WebhookRules.Visible}";

    public async ValueTask<Outcome<bool>> Handle(DeleteWebhookCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, new { command.Id, command.Caller.CallerId, command.Caller.CallerIsAdmin }, cancellationToken: ct));
        return deleted == 0 ? Outcome<bool>.NotFound($"No webhook has id {command.Id}.") : true;
    }
}

public static class DeleteWebhookEndpoint
{
    public static RouteHandlerBuilder MapDeleteWebhook(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id}", HandleAsync)
        .WithName("DeleteWebhook")
        .WithSummary("Delete a webhook")
        .WithDescription("Deletes the subscription and its deliveries; nothing more is delivered to it.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new DeleteWebhookCommand(id, Caller.From(user)), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
