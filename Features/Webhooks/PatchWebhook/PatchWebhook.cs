namespace TaskManager.Features.Webhooks.PatchWebhook;

/// <summary>Fields left out (or null) stay as they are. `active: true` resumes a subscription that was set inactive;
/// `project_id` narrows it to that project's events.</summary>
[RequestBody(NeverNull = ["url", "events", "active"], Example = """{"active":true}""")]
public sealed record PatchWebhookRequest(string? Url, string[]? Events, string? Description, bool? Active, long? ProjectId);

public sealed class PatchWebhookValidator : AbstractValidator<PatchWebhookRequest>
{
    public PatchWebhookValidator()
    {
        RuleFor(r => r.Url).ValidUrlShape().When(r => r.Url is not null);
        RuleFor(r => r.Events).ValidEvents().When(r => r.Events is not null);
        RuleFor(r => r.Description).ValidSubscriptionDescription();
    }
}

public sealed record PatchWebhookCommand(long Id, Caller Caller, string? Url, string[]? Events, string? Description, bool? Active, long? ProjectId) : ICommand<Outcome<WebhookResponse>>;

public sealed class PatchWebhookHandler(NpgsqlDataSource db, WebhookAddresses addresses) : ICommandHandler<PatchWebhookCommand, Outcome<WebhookResponse>>
{
    // Re-activating forgets the failing streak, so the subscription is not switched off again at its next failure.
    private const string Sql = $"""
        UPDATE webhook_subscriptions SET
            url = coalesce(@Url::text, url),
            events = coalesce(@Events::text[], events),
            description = coalesce(@Description::text, description),
            project_id = coalesce(@ProjectId::bigint, project_id),
            active = coalesce(@Active::boolean, active),
            failing_since = CASE WHEN @Active::boolean AND NOT active THEN NULL ELSE failing_since END,
            updated_at = now()
        WHERE id = @Id AND {WebhookRules.Visible}
        RETURNING {WebhookRules.Columns}
        """;

    public async ValueTask<Outcome<WebhookResponse>> Handle(PatchWebhookCommand command, CancellationToken ct)
    {
        if (command.Url is not null && await addresses.RefusalAsync(command.Url, ct) is { } refusal)
        {
            return Outcome<WebhookResponse>.Invalid("url", refusal);
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var parameters = new
        {
            command.Id,
            command.Url,
            Events = command.Events is null ? null : WebhookRules.Normalize(command.Events),
            command.Description,
            command.Active,
            command.ProjectId,
            command.Caller.CallerId,
            command.Caller.CallerIsAdmin,
        };
        if (command.ProjectId is not null &&
            !await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT {WebhookRules.ProjectNameable}", parameters, cancellationToken: ct)))
        {
            return Outcome<WebhookResponse>.Invalid("project_id", WebhookRules.UnknownProject);
        }
        var row = await connection.QuerySingleOrDefaultAsync<WebhookResponse>(new CommandDefinition(Sql, parameters, cancellationToken: ct));
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
        long id, PatchWebhookRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new PatchWebhookCommand(id, Caller.From(user), request.Url?.Trim(), request.Events, request.Description, request.Active, request.ProjectId), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
