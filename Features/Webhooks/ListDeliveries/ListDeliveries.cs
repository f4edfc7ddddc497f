using System.Globalization;

namespace TaskManager.Features.Webhooks.ListDeliveries;

/// <summary>One delivery: its id is the webhook-id header the receiver saw.</summary>
public sealed record DeliveryResponse
{
    public required Guid Id { get; init; }
    public required string EventType { get; init; }
    public required string Status { get; init; }
    public required int Attempts { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    public required DateTime CreatedAt { get; init; }
}

public sealed record DeliveriesPage(IReadOnlyList<DeliveryResponse> Deliveries, string? NextCursor);

public sealed record ListDeliveriesRequest(
    [property: FromRoute(Name = "id")] long Id,
    [property: FromQuery(Name = "status")] string? Status = null,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null)
{
    /// <summary>What a cursor is bound to (a method: it is no parameter).</summary>
    public string Fingerprint() => $"deliveries:{Id}:{Status}";

    /// <summary>The time and id a cursor continues after, or null when it is not one of this list's.</summary>
    public (DateTime Time, Guid Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.TryDecodeTimeAndId(Cursor, Fingerprint(), out var time, out var id) ? (time, id) : null;
}

/// <summary>One error at a time, in the order the list has always checked them.</summary>
public sealed class ListDeliveriesValidator : AbstractValidator<ListDeliveriesRequest>
{
    public ListDeliveriesValidator(Cursors cursors)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Status).Must(s => s is null || ListDeliveriesHandler.Statuses.Contains(s))
            .WithMessage($"status must be one of {string.Join(", ", ListDeliveriesHandler.Statuses)}.");
        RuleFor(r => r.Limit).ValidLimit();
        RuleFor(r => r.Cursor).ValidCursor(r => r.After(cursors), "cursor is not one this list gave you.");
    }
}

public sealed record ListDeliveriesQuery(long WebhookId, Caller Caller, string? Status, int Limit, string Fingerprint, (DateTime Time, Guid Id)? After)
    : IQuery<Outcome<DeliveriesPage>>;

public sealed class ListDeliveriesHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListDeliveriesQuery, Outcome<DeliveriesPage>>
{
    public static readonly string[] Statuses = ["pending", "succeeded", "failed"];

    // next_attempt_at is shown only while one is planned (a claimed delivery's lease is not a plan, but close enough).
    // A delivery of a project the caller may not read is left out, as its project's tasks are.
    private static readonly string Sql = $"""
        SELECT id, event_type, status, attempts, last_status_code, last_error,
               CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, created_at
        FROM webhook_deliveries
        WHERE subscription_id = @WebhookId AND (@Status::text IS NULL OR status = @Status)
          AND {WebhookRules.DeliveryVisible("webhook_deliveries.project_id")}
          AND (@AfterTime::timestamptz IS NULL OR (created_at, id) < (@AfterTime, @AfterId))
        ORDER BY created_at DESC, id DESC
        LIMIT @PageSize
        """;

    public async ValueTask<Outcome<DeliveriesPage>> Handle(ListDeliveriesQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = @WebhookId AND {WebhookRules.Visible})",
                new { query.WebhookId, query.Caller.CallerId, query.Caller.CallerIsAdmin }, cancellationToken: ct)))
        {
            return Outcome<DeliveriesPage>.NotFound($"No webhook has id {query.WebhookId}.");
        }
        var rows = (await connection.QueryAsync<DeliveryResponse>(new CommandDefinition(Sql, new
        {
            query.WebhookId,
            query.Status,
            AfterTime = query.After?.Time,
            AfterId = query.After?.Id ?? Guid.Empty,
            PageSize = query.Limit + 1,
            query.Caller.CallerId,
            query.Caller.CallerIsAdmin,
        }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint,
            d => [d.CreatedAt.ToString("O", CultureInfo.InvariantCulture), d.Id.ToString()]);
        return new DeliveriesPage(page, next);
    }
}

public static class ListDeliveriesEndpoint
{
    public static RouteHandlerBuilder MapListDeliveries(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/deliveries", HandleAsync)
        .WithName("ListDeliveries")
        .WithSummary("List a webhook's deliveries")
        .WithDescription("Newest first, optionally of one status (pending, succeeded, failed), paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<DeliveriesPage>, Problem>> HandleAsync([AsParameters] ListDeliveriesRequest request, IMediator mediator,
        Cursors cursors, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await mediator.Send(new ListDeliveriesQuery(request.Id, Caller.From(user), request.Status, CursorPages.Limit(request.Limit)!.Value,
            request.Fingerprint(), request.After(cursors)), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
