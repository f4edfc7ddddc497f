using System.Globalization;

namespace TaskManager.Features.Tasks.GetTaskAudit;

public sealed record GetTaskAuditV2Request(
    [property: FromRoute(Name = "id")] long Id,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor) : IPageRequest
{
    public string Fingerprint() => GetTaskAuditQuery.Fingerprint(Id);

    /// <summary>The time and id a cursor continues after, or null when it is not one of this task's.</summary>
    public (DateTime Time, long Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.Decode(Cursor, Fingerprint()) is [var key, var id] && QueryValues.Number(id) is { } afterId &&
        DateTime.TryParseExact(key, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? (time, afterId) : null;
}

public sealed class GetTaskAuditV2Validator(Cursors cursors)
    : PageValidator<GetTaskAuditV2Request>(r => r.After(cursors), "cursor is not one this list gave for this query.");

/// <summary>GET /api/v2/tasks/{id}/audit: the same trail as v1's, paged by cursor.</summary>
public static class GetTaskAuditV2Endpoint
{
    public static RouteHandlerBuilder MapGetTaskAuditV2(this IEndpointRouteBuilder app) => app
        .MapGet("/tasks/{id}/audit", HandleAsync)
        .WithName("GetTaskAuditV2")
        .WithSummary("A task's audit trail")
        .WithDescription("Every change to the task, oldest first, paged by cursor (manager, admin). It outlives a permanent delete.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<AuditPage>, Problem>> HandleAsync([AsParameters] GetTaskAuditV2Request request, ClaimsPrincipal user,
        IMediator mediator, Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetTaskAuditQuery(request.Id, Caller.From(user), CursorPages.Limit(request.Limit)!.Value,
            request.After(cursors)), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
