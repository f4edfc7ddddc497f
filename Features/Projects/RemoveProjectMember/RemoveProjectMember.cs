namespace TaskManager.Features.Projects.RemoveProjectMember;

public sealed record RemoveProjectMemberCommand(long Id, long UserId, Caller Caller) : ICommand<Outcome<bool>>;

/// <summary>An owner or admin removes a member, or a member leaves; the last owner cannot go.</summary>
public sealed class RemoveProjectMemberHandler(NpgsqlDataSource db, ProjectScope scope) : ICommandHandler<RemoveProjectMemberCommand, Outcome<bool>>
{
    private static readonly string Sql = $"""
        WITH d AS (
            DELETE FROM project_members WHERE project_id = @Id AND user_id = @UserId RETURNING project_members AS row
        ), ev AS (
            {ProjectEventSql.Outbox("'member_removed'", "p", "d JOIN projects p ON p.id = (d.row).project_id", member: "d.row")}
        )
        SELECT count(*) FROM d
        """;

    public async ValueTask<Outcome<bool>> Handle(RemoveProjectMemberCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var project = await ProjectMembers.LockAsync(connection, transaction, command.Id, command.UserId, command.Caller, ct);
        if (project is null)
        {
            return Outcome<bool>.NotFound($"Project {command.Id} does not exist.");
        }
        var leaving = command.UserId == command.Caller.CallerId;
        if (!project.Manageable && !leaving)
        {
            return Outcome<bool>.Forbidden("Only the project's owners and admins may remove its members (a member may leave).");
        }
        if (project.TargetRole is null)
        {
            return Outcome<bool>.NotFound($"User {command.UserId} is not a member of project {command.Id}.");
        }
        if (project.Archived && !leaving)
        {
            return Outcome<bool>.Conflict("The project is archived and read-only; restore it first.");
        }
        if (project.IsLastOwner)
        {
            return Outcome<bool>.Conflict("A project keeps at least one owner: make another member owner first.");
        }
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { command.Id, command.UserId, command.Caller.CallerId }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        await scope.InvalidateAsync();
        return true;
    }
}

public static class RemoveProjectMemberEndpoint
{
    public static RouteHandlerBuilder MapRemoveProjectMember(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id}/members/{user_id}", HandleAsync)
        .WithName("RemoveProjectMember")
        .WithSummary("Remove a member")
        .WithDescription("Owners and admins remove anyone; a member may remove itself (leave). Removing the last owner is a 409.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<NoContent, Problem>> HandleAsync(long id, [FromRoute(Name = "user_id")] long userId,
        ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new RemoveProjectMemberCommand(id, userId, Caller.From(user)), ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
