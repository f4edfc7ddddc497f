namespace TaskManager.Features.Webhooks.CreateWebhook;

/// <summary>`project_id`: only that project's events (one the caller can read); without it, every project's its creator can read.</summary>
[RequestBody("url", "events", Example = """{"url":"https://ci.example.com/hooks/taskmanager","events":["task.created","task.updated"],"description":"CI"}""")]
public sealed record CreateWebhookRequest(string? Url, string[]? Events, string? Description, long? ProjectId);

public sealed class CreateWebhookValidator : AbstractValidator<CreateWebhookRequest>
{
    public CreateWebhookValidator()
    {
        RuleFor(r => r.Url).ValidUrlShape();
        RuleFor(r => r.Events).ValidEvents();
        RuleFor(r => r.Description).ValidSubscriptionDescription();
    }
}

/// <summary>The new subscription with its secret: the only time the secret is shown.</summary>
public sealed record CreatedWebhookResponse
{
    public required long Id { get; init; }
    public long? ProjectId { get; init; }
    public required string Url { get; init; }
    public required string[] Events { get; init; }
    public string? Description { get; init; }
    public required bool Active { get; init; }
    public required string Secret { get; init; }
    public required DateTime CreatedAt { get; init; }
}

public sealed record CreateWebhookCommand(Caller Caller, string Url, string[] Events, string? Description, long? ProjectId) : ICommand<Outcome<CreatedWebhookResponse>>;

public sealed class CreateWebhookHandler(NpgsqlDataSource db, WebhookAddresses addresses, WebhookSecrets secrets, IOptions<WebhookOptions> options)
    : ICommandHandler<CreateWebhookCommand, Outcome<CreatedWebhookResponse>>
{
    // Taken first, in a statement of its own, so that the count below (a new snapshot) sees a concurrent create by the
    // same user once it has committed: two creates at the limit cannot both pass.
    private const string LockSql = "SELECT id FROM users WHERE id = @UserId FOR NO KEY UPDATE";

    private const string Sql = $"""
        INSERT INTO webhook_subscriptions (url, events, description, secret, created_by, project_id)
        SELECT @Url, @Events, @Description, @Secret, @UserId, @ProjectId
        WHERE (SELECT count(*) FROM webhook_subscriptions WHERE created_by = @UserId) < @Limit
        RETURNING {WebhookRules.Columns}
        """;

    public async ValueTask<Outcome<CreatedWebhookResponse>> Handle(CreateWebhookCommand command, CancellationToken ct)
    {
        if (await addresses.RefusalAsync(command.Url, ct) is { } refusal)
        {
            return Outcome<CreatedWebhookResponse>.Invalid("url", refusal);
        }
        var secret = WebhookSecrets.NewSecret();
        var limit = options.Value.MaxSubscriptionsPerUser;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (command.ProjectId is { } project && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT {WebhookRules.ProjectNameable}",
                new { ProjectId = project, command.Caller.CallerId, command.Caller.CallerIsAdmin }, transaction, cancellationToken: ct)))
        {
            return Outcome<CreatedWebhookResponse>.Invalid("project_id", WebhookRules.UnknownProject);
        }
        await connection.ExecuteAsync(new CommandDefinition(LockSql, new { UserId = command.Caller.CallerId }, transaction, cancellationToken: ct));
        var row = await connection.QuerySingleOrDefaultAsync<WebhookResponse>(new CommandDefinition(Sql, new
        {
            command.Url,
            Events = WebhookRules.Normalize(command.Events),
            command.Description,
            Secret = secrets.Protect(secret),
            UserId = command.Caller.CallerId,
            command.ProjectId,
            Limit = limit,
        }, transaction, cancellationToken: ct));
        if (row is null)
        {
            return Outcome<CreatedWebhookResponse>.Conflict(
                $"You have created {limit} webhooks, the most one user may (Webhooks:MaxSubscriptionsPerUser); delete one of them first.");
        }
        await transaction.CommitAsync(ct);
        return new CreatedWebhookResponse
        {
            Id = row.Id,
            ProjectId = row.ProjectId,
            Url = row.Url,
            Events = row.Events,
            Description = row.Description,
            Active = row.Active,
            Secret = WebhookSecrets.Show(secret),
            CreatedAt = row.CreatedAt,
        };
    }
}

public static class CreateWebhookEndpoint
{
    public static RouteHandlerBuilder MapCreateWebhook(this IEndpointRouteBuilder app) => app
        .MapPost("", HandleAsync)
        .WithName("CreateWebhook")
        .WithSummary("Subscribe a URL to events")
        .WithDescription("Registers an https URL for the listed events. The answer holds the signing secret (whsec_...), shown only here. " +
                         "A URL whose host resolves to an internal address is refused. Each user may create a limited number " +
                         "(Webhooks:MaxSubscriptionsPerUser, 25 by default); one more is a 409.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<CreatedWebhookResponse>, Problem>> HandleAsync(
        CreateWebhookRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new CreateWebhookCommand(Caller.From(user), request.Url!.Trim(), request.Events!, request.Description, request.ProjectId), ct);
        return outcome.ToResult(webhook => TypedResults.Created($"/api/v2/webhooks/{webhook.Id}", webhook));
    }
}
