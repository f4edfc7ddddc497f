namespace TaskManager.Features.Changes.ListChanges;

public sealed record ListChangesResponse(IReadOnlyList<ChangeResource> Changes, string NextPosition, bool HasMore);

public sealed record ListChangesRequest(
    [property: FromQuery(Name = "after")] string? After = null,
    [property: FromQuery(Name = "project_id")] string? ProjectId = null,
    [property: FromQuery(Name = "limit")] string? Limit = null) : IChangeQuery;

public sealed class ListChangesValidator : AbstractValidator<ListChangesRequest>
{
    public ListChangesValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        Include(new ChangeQueryValidator());
        RuleFor(r => r.Limit).Checked(v => ChangeFilters.Limit(v) is not null, _ => ChangeFilters.LimitError);
    }
}

public sealed record ListChangesQuery(Caller Caller, ChangeFilters Filters, int Limit) : IQuery<Outcome<ListChangesResponse>>;

/// <summary>The changes after a position that the caller may read now, in commit order. Without a position: none, and the
/// current end to follow from.</summary>
public sealed class ListChangesHandler(ChangeFeed feed) : IQueryHandler<ListChangesQuery, Outcome<ListChangesResponse>>
{
    public async ValueTask<Outcome<ListChangesResponse>> Handle(ListChangesQuery query, CancellationToken ct)
    {
        if (query.Filters.After is not { } after)
        {
            return new ListChangesResponse([], (await feed.EndAsync(ct)).ToString(), false);
        }
        var batch = await feed.ReadAsync(query.Caller, after, query.Filters.Projects, query.Limit, ct);
        if (batch.Gone)
        {
            return Outcome<ListChangesResponse>.Gone("after is older than the changes kept: list everything again, then follow from its Changes-Position.");
        }
        return new ListChangesResponse(batch.Changes, batch.Next.ToString(), batch.HasMore);
    }
}

public static class ListChangesEndpoint
{
    public static RouteHandlerBuilder MapListChanges(this IEndpointRouteBuilder app) => app
        .MapGet("/changes", HandleAsync)
        .WithName("ListChanges")
        .WithSummary("List changes after a position")
        .WithDescription("Every change the caller may read after `after`, each once, in commit order; follow with `after` set to " +
                         "`next_position`. Without `after`: no changes and the current end. A task moved out of the caller's sight " +
                         "is `task.removed`. An `after` older than the changes kept is 410: list again and follow from `Changes-Position`.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status410Gone);

    private static async Task<Results<Ok<ListChangesResponse>, Problem>> HandleAsync([AsParameters] ListChangesRequest request, ClaimsPrincipal user,
        IMediator mediator, CancellationToken ct)
    {
        var filters = ChangeFilters.From(request.After, request.ProjectId);
        var outcome = await mediator.Send(new ListChangesQuery(Caller.From(user), filters, ChangeFilters.Limit(request.Limit)!.Value), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
