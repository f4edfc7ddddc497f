using System.Globalization;

namespace TaskManager.Features.Webhooks.ListWebhooks;

public sealed record WebhooksPage(IReadOnlyList<WebhookResponse> Webhooks, string? NextCursor);

/// <summary>Every subscription (they belong to the team, not to whoever registered them), oldest first; one that names a
/// project the caller may not read does not exist for it.</summary>
public sealed record ListWebhooksQuery(Caller Caller, int Limit, string? Cursor) : IQuery<Outcome<WebhooksPage>>;

public sealed class ListWebhooksHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListWebhooksQuery, Outcome<WebhooksPage>>
{
    private const string Fingerprint = "webhooks";

    private const string Sql = $"""
        SELECT {WebhookRules.Columns} FROM webhook_subscriptions
        WHERE id > @AfterId AND {WebhookRules.Visible}
        ORDER BY id
        LIMIT @PageSize
        """;

    public async ValueTask<Outcome<WebhooksPage>> Handle(ListWebhooksQuery query, CancellationToken ct)
    {
        long afterId = 0;
        if (query.Cursor is not null && (cursors.Decode(query.Cursor, Fingerprint) is not [var id] ||
                                         !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out afterId)))
        {
            return Outcome<WebhooksPage>.Invalid("cursor", "cursor is not one this list gave you.");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<WebhookResponse>(new CommandDefinition(Sql,
            new { AfterId = afterId, PageSize = query.Limit + 1, query.Caller.CallerId, query.Caller.CallerIsAdmin }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, Fingerprint, w => [w.Id.ToString(CultureInfo.InvariantCulture)]);
        return new WebhooksPage(page, next);
    }
}

public static class ListWebhooksEndpoint
{
    public static RouteHandlerBuilder MapListWebhooks(this IEndpointRouteBuilder app) => app
        .MapGet("", HandleAsync)
        .WithName("ListWebhooks")
        .WithSummary("List webhooks")
        .WithDescription("Every subscription, oldest first, paged by cursor; secrets are never shown.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<WebhooksPage>, Problem>> HandleAsync(IMediator mediator, HttpContext http, ClaimsPrincipal user, CancellationToken ct,
        [FromQuery] string? limit = null, [FromQuery] string? cursor = null)
    {
        if (!CursorPages.TryLimit(limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        var outcome = await mediator.Send(new ListWebhooksQuery(Caller.From(user), size, cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
