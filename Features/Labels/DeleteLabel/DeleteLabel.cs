using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Labels.DeleteLabel;

public sealed record DeleteLabelCommand(long Id, long CallerId, bool CallerIsAdmin, int[]? ExpectedVersions) : ICommand<Outcome<bool>>;

/// <summary>The label is taken off every task (their versions move) and deleted, in one statement.</summary>
public sealed class DeleteLabelHandler(DbSession db, TaskReadCache cache) : ICommandHandler<DeleteLabelCommand, Outcome<bool>>
{
    private static readonly string Sql = $"""
        WITH l AS (
            DELETE FROM labels l USING projects p
            WHERE l.id = @Id AND p.id = l.project_id AND {ProjectAccess.Readable} AND {LabelSql.Manageable}
              AND (@ExpectedVersions::int[] IS NULL OR l.version = ANY(@ExpectedVersions))
            RETURNING l.*, l AS row
        ), ev AS (
            {LabelSql.Outbox("'deleted'", "l.row", "l")}
        ), untagged AS (
            UPDATE tasks t SET label_ids = array_remove(t.label_ids, @Id::bigint), label_keys = array_remove(t.label_keys, (SELECT lower(name) FROM l)),
                version = t.version + 1
            WHERE t.label_ids @> ARRAY[@Id::bigint] AND EXISTS (SELECT 1 FROM l)
        )
        SELECT count(*) FROM l
        """;

    public async ValueTask<Outcome<bool>> Handle(DeleteLabelCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, command, cancellationToken: ct)) == 1)
        {
            await lease.AfterCommitAsync(cache.InvalidateAsync);
            return true;
        }
        var why = await connection.QuerySingleOrDefaultAsync<LabelWhyNot>(new CommandDefinition(LabelSql.WhyNotSql, command, cancellationToken: ct));
        return why is null ? Outcome<bool>.NotFound($"Label {command.Id} does not exist.") : why.Refusal<bool>(command.ExpectedVersions);
    }
}

public static class DeleteLabelEndpoint
{
    public static RouteHandlerBuilder MapDeleteLabel(this IEndpointRouteBuilder app) => app
        .MapDelete("/labels/{id}", HandleAsync)
        .WithName("DeleteLabel")
        .WithSummary("Delete a label")
        .WithDescription("Deletes the label and takes it off every task. Editors and owners (anyone signed in, in a public project).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, [FromHeader(Name = "If-Match")] string? ifMatch, ClaimsPrincipal user,
        IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new DeleteLabelCommand(id, caller.CallerId, caller.CallerIsAdmin, VersionETag.ExpectedVersions(ifMatch)), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
