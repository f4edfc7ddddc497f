namespace TaskManager.Features.Projects.DeleteProject;

public sealed record DeleteProjectCommand(long Id, long CallerId, bool CallerIsAdmin) : ICommand<Outcome<bool>>;

/// <summary>Only a project that has never held a task may be deleted (tasks are never removed from one, so any task row
/// says it held one); the project row is locked first, so a task created meanwhile waits and then fails its reference.</summary>
public sealed class DeleteProjectHandler(NpgsqlDataSource db, ProjectScope scope) : ICommandHandler<DeleteProjectCommand, Outcome<bool>>
{
    // Read once the project is locked (ProjectLock).
    private const string LockedSql = $"""
        SELECT p.is_default, {ProjectAccess.Manageable} AS manageable,
               EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id) AS held_tasks
        FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable}
        """;

    private static readonly string DeleteSql = $"""
        WITH d AS (
            DELETE FROM projects p WHERE p.id = @Id RETURNING p AS row
        ), ev AS (
            {ProjectEventSql.Outbox("'deleted'", "d.row", "d")}
        )
        SELECT count(*) FROM d
        """;

    public async ValueTask<Outcome<bool>> Handle(DeleteProjectCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var row = await ProjectLock.ReadLockedAsync<Locked>(connection, transaction, LockedSql, command, ct);
        if (row is not { } project)
        {
            return Outcome<bool>.NotFound($"Project {command.Id} does not exist.");
        }
        if (!project.Manageable)
        {
            return Outcome<bool>.Forbidden("Only the project's owners and admins may delete it.");
        }
        if (project.IsDefault)
        {
            return Outcome<bool>.Conflict("The default project cannot be deleted.");
        }
        if (project.HeldTasks)
        {
            return Outcome<bool>.Conflict("The project holds tasks: archive it instead, or move its tasks out.");
        }
        await connection.ExecuteAsync(new CommandDefinition(DeleteSql, command, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        await scope.InvalidateAsync();
        return true;
    }

    private sealed class Locked
    {
        public bool IsDefault { get; init; }
        public bool Manageable { get; init; }
        public bool HeldTasks { get; init; }
    }
}

public static class DeleteProjectEndpoint
{
    public static RouteHandlerBuilder MapDeleteProject(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id}", HandleAsync)
        .WithName("DeleteProject")
        .WithSummary("Delete a project")
        .WithDescription("Deletes a project that has never held a task (owners, admins); one that has is archived instead (409).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new DeleteProjectCommand(id, caller.CallerId, caller.CallerIsAdmin), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
