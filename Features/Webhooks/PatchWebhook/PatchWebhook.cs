using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.Mediation;

namespace TaskManager.Features.Webhooks.PatchWebhook;

/// <summary>Fields left out (or null) stay as they are. `active: true` resumes a subscription that was set inactive.</summary>
public sealed record PatchWebhookRequest(string? Url, string[]? Events, string? Description, bool? Active);

public sealed class PatchWebhookValidator : AbstractValidator<PatchWebhookRequest>
{
    public PatchWebhookValidator()
    {
        RuleFor(r => r.Url).ValidUrlShape().When(r => r.Url is not null);
        RuleFor(r => r.Events).ValidEvents().When(r => r.Events is not null);
        RuleFor(r => r.Description).ValidDescription();
    }
}

public sealed record PatchWebhookCommand(long Id, string? Url, string[]? Events, string? Description, bool? Active) : ICommand<Outcome<WebhookResponse>>;

public sealed class PatchWebhookHandler(NpgsqlDataSource db, WebhookAddresses addresses) : ICommandHandler<PatchWebhookCommand, Outcome<WebhookResponse>>
{
    // Re-activating forgets the failing streak, so the subscription is not switched off again at its next failure.
    private const string Sql = $"""
        UPDATE webhook_subscriptions SET
            url = coalesce(@Url::text, url),
            events = coalesce(@Events::text[], events),
            description = coalesce(@Description::text, description),
            active = coalesce(@Active::boolean, active),
            failing_since = CASE WHEN @Active::boolean AND NOT active THEN NULL ELSE failing_since END,
            updated_at = now()
        WHERE id = @Id
        RETURNING {WebhookRules.Columns}
        """;

    public async ValueTask<Outcome<WebhookResponse>> Handle(PatchWebhookCommand command, CancellationToken ct)
    {
        if (command.Url is not null && await addresses.RefusalAsync(command.Url, ct) is { } refusal)
        {
            return Outcome<WebhookResponse>.Invalid("url", refusal);
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<WebhookResponse>(new CommandDefinition(Sql, command with
        {
            Events = command.Events is null ? null : WebhookRules.Normalize(command.Events),
        }, cancellationToken: ct));
        return row is null ? Outcome<WebhookResponse>.NotFound($"No webhook has id {command.Id}.") : row;
    }
}

public static class PatchWebhookEndpoint
{
    public static RouteHandlerBuilder MapPatchWebhook(this IEndpointRouteBuilder app) => app
        .MapPatch("/{id}", HandleAsync)
        .WithName("PatchWebhook")
        .WithSummary("Change a webhook")
        .WithDescription("Changes the fields sent; active: true resumes an inactive subscription and its waiting deliveries.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<WebhookResponse>, Problem>> HandleAsync(
        long id, PatchWebhookRequest request, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new PatchWebhookCommand(id, request.Url?.Trim(), request.Events, request.Description, request.Active), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
