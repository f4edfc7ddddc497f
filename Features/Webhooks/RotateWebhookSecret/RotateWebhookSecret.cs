namespace TaskManager.Features.Webhooks.RotateWebhookSecret;

public sealed record RotatedSecretResponse(string Secret);

public sealed record RotateWebhookSecretCommand(long Id, Caller Caller) : ICommand<Outcome<RotatedSecretResponse>>;

/// <summary>A new secret; the old one keeps signing beside it for 24 hours, so a receiver can switch without losing deliveries.</summary>
public sealed class RotateWebhookSecretHandler(NpgsqlDataSource db, WebhookSecrets secrets) : ICommandHandler<RotateWebhookSecretCommand, Outcome<RotatedSecretResponse>>
{
    public const int OverlapHours = 24;

    private const string Sql = $"""
        UPDATE webhook_subscriptions
        SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(hours => @Hours), secret = @Secret, updated_at = now()
        WHERE id = @Id AND {WebhookRules.Visible}
        """;

    public async ValueTask<Outcome<RotatedSecretResponse>> Handle(RotateWebhookSecretCommand command, CancellationToken ct)
    {
        var secret = WebhookSecrets.NewSecret();
        await using var connection = await db.OpenConnectionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(Sql,
            new { command.Id, Secret = secrets.Protect(secret), Hours = OverlapHours, command.Caller.CallerId, command.Caller.CallerIsAdmin }, cancellationToken: ct));
        return updated == 0 ? Outcome<RotatedSecretResponse>.NotFound($"No webhook has id {command.Id}.") : new RotatedSecretResponse(WebhookSecrets.Show(secret));
    }
}

public static class RotateWebhookSecretEndpoint
{
    public static RouteHandlerBuilder MapRotateWebhookSecret(this IEndpointRouteBuilder app) => app
        .MapPost("/{id}/rotate-secret", HandleAsync)
        .WithName("RotateWebhookSecret")
        .WithSummary("Rotate a webhook's secret")
        .WithDescription("Answers a new secret, shown only here. For 24 hours deliveries carry two signatures, one per secret.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<RotatedSecretResponse>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RotateWebhookSecretCommand(id, Caller.From(user)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
