using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.Mediation;

namespace TaskManager.Features.Webhooks.DeleteWebhook;

public sealed record DeleteWebhookCommand(long Id) : ICommand<Outcome<bool>>;

/// <summary>Deletes the subscription and, with it, its waiting deliveries: nothing more is sent to it.</summary>
public sealed class DeleteWebhookHandler(NpgsqlDataSource db) : ICommandHandler<DeleteWebhookCommand, Outcome<bool>>
{
    private const string Sql = "DELETE FROM webhook_subscriptions WHERE id = @Id";

    public async ValueTask<Outcome<bool>> Handle(DeleteWebhookCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
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

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new DeleteWebhookCommand(id), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
