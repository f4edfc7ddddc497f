using System.Globalization;

namespace TaskManager.Features.Webhooks.ListWebhooks;

public sealed record WebhooksPage(IReadOnlyList<WebhookResponse> Webhooks, string? NextCursor);

public sealed record ListWebhooksRequest(
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null) : IPageRequest
{
    public string Fingerprint() => "webhooks";
}

public sealed class ListWebhooksValidator(Cursors cursors)
    : PageValidator<ListWebhooksRequest>(r => cursors.DecodeId(r), "cursor is not one this list gave you.");

/// <summary>Every subscription (they belong to the team, not to whoever registered them), oldest first; one that names a
/// project the caller may not read does not exist for it.</summary>
public sealed record ListWebhooksQuery(Caller Caller, int Limit, string Fingerprint, long? After) : IQuery<WebhooksPage>;

public sealed class ListWebhooksHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<ListWebhooksQuery, WebhooksPage>
{
    private const string Sql = $"""
        SELECT {WebhookRules.Columns} FROM webhook_subscriptions
        WHERE id > @AfterId AND {WebhookRules.Visible}
        ORDER BY id
        LIMIT @PageSize
        """;

    public async ValueTask<WebhooksPage> Handle(ListWebhooksQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<WebhookResponse>(new CommandDefinition(Sql,
            new { AfterId = query.After ?? 0, PageSize = query.Limit + 1, query.Caller.CallerId, query.Caller.CallerIsAdmin }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint, w => [w.Id.ToString(CultureInfo.InvariantCulture)]);
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

    private static async Task<Ok<WebhooksPage>> HandleAsync([AsParameters] ListWebhooksRequest request, IMediator mediator, Cursors cursors,
        HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var page = await mediator.Send(new ListWebhooksQuery(Caller.From(user), CursorPages.Limit(request.Limit)!.Value, request.Fingerprint(),
            cursors.DecodeId(request)), ct);
        return CursorPages.Ok(http, page, page.NextCursor);
    }
}
