namespace TaskManager.Features.Projects.SetProjectMember;

[RequestBody("role", Example = """{"role":"editor"}""")]
public sealed record SetProjectMemberRequest(string? Role);

public sealed class SetProjectMemberValidator : AbstractValidator<SetProjectMemberRequest>
{
    public SetProjectMemberValidator() => RuleFor(r => r.Role).ValidMemberRole();
}

public sealed record SetProjectMemberCommand(long Id, long UserId, string Role, Caller Caller) : ICommand<Outcome<ProjectMember>>;

/// <summary>Adds the user with the role, or changes a member's role; demoting the last owner is refused.</summary>
public sealed class SetProjectMemberHandler(NpgsqlDataSource db, ProjectScope scope) : ICommandHandler<SetProjectMemberCommand, Outcome<ProjectMember>>
{
    // The event says member_added or member_changed, and nothing when the role was already this one.
    private static readonly string Sql = $"""
        WITH before AS (
            SELECT role FROM project_members WHERE project_id = @Id AND user_id = @UserId
        ), m AS (
            INSERT INTO project_members (project_id, user_id, role)
            SELECT @Id, u.id, @Role FROM users u WHERE u.id = @UserId
            ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
            RETURNING *, project_members AS row
        ), ev AS (
            {ProjectEventSql.Outbox("CASE WHEN EXISTS (SELECT 1 FROM before) THEN 'member_changed' ELSE 'member_added' END", "p",
                "m JOIN projects p ON p.id = m.project_id WHERE (SELECT role FROM before) IS DISTINCT FROM m.role", member: "m.row")}
        )
        SELECT {ProjectMembers.MemberColumns} FROM m JOIN users u ON u.id = m.user_id
        """;

    public async ValueTask<Outcome<ProjectMember>> Handle(SetProjectMemberCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var project = await ProjectMembers.LockAsync(connection, transaction, command.Id, command.UserId, command.Caller, ct);
        if (project is null)
        {
            return Outcome<ProjectMember>.NotFound($"Project {command.Id} does not exist.");
        }
        if (!project.Manageable)
        {
            return Outcome<ProjectMember>.Forbidden("Only the project's owners and admins may change its members.");
        }
        if (project.Archived)
        {
            return Outcome<ProjectMember>.Conflict("The project is archived and read-only; restore it first.");
        }
        if (project.IsLastOwner && command.Role != "owner")
        {
            return Outcome<ProjectMember>.Conflict("A project keeps at least one owner: make another member owner first.");
        }
        var member = await connection.QuerySingleOrDefaultAsync<ProjectMember>(new CommandDefinition(Sql,
            new { command.Id, command.UserId, command.Role, command.Caller.CallerId }, transaction, cancellationToken: ct));
        if (member is null)
        {
            return Outcome<ProjectMember>.NotFound($"User {command.UserId} does not exist.");
        }
        await transaction.CommitAsync(ct);
        await scope.InvalidateAsync();
        return member;
    }
}

public static class SetProjectMemberEndpoint
{
    public static RouteHandlerBuilder MapSetProjectMember(this IEndpointRouteBuilder app) => app
        .MapPut("/{id}/members/{user_id}", HandleAsync)
        .WithName("SetProjectMember")
        .WithSummary("Add a member or change a member's role")
        .WithDescription("Owners and admins. Demoting the project's last owner is a 409.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<ProjectMember>, Problem>> HandleAsync(long id, [FromRoute(Name = "user_id")] long userId,
        SetProjectMemberRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new SetProjectMemberCommand(id, userId, ProjectRules.Normalize(request.Role, ProjectRules.Roles)!, Caller.From(user)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
