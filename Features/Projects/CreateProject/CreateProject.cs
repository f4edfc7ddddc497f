namespace TaskManager.Features.Projects.CreateProject;

[RequestBody("name", Example = """{"name":"Launch","description":"Everything for the Q3 launch","visibility":"private"}""")]
public sealed record CreateProjectRequest(string? Name, string? Description, string? Visibility);

public sealed class CreateProjectValidator : AbstractValidator<CreateProjectRequest>
{
    public CreateProjectValidator()
    {
        RuleFor(r => r.Name).ValidProjectName();
        RuleFor(r => r.Description).ValidProjectDescription();
        RuleFor(r => r.Visibility).ValidVisibility();
    }
}

public sealed record CreateProjectCommand(long CallerId, string Name, string? Description, string Visibility) : ICommand<ProjectResource>;

/// <summary>The project, its first owner (the caller) and its project.created event, in one statement.</summary>
public sealed class CreateProjectHandler(NpgsqlDataSource db, ProjectScope scope) : ICommandHandler<CreateProjectCommand, ProjectResource>
{
    private static readonly string Sql = $"""
        WITH p AS (
            INSERT INTO projects (name, description, visibility, created_by)
            VALUES (@Name, @Description, @Visibility, @CallerId)
            RETURNING *, projects AS row
        ), me AS (
            INSERT INTO project_members (project_id, user_id, role) SELECT id, @CallerId, 'owner' FROM p
            RETURNING role
        ), ev AS (
            {ProjectEventSql.Outbox("'created'", "p.row", "p")}
        )
        SELECT p.id, p.name, p.description, p.visibility, p.is_default, me.role AS my_role, 0::bigint AS task_count,
               p.created_by, p.created_at, p.updated_at, p.archived_at, p.version
        FROM p, me
        """;

    public async ValueTask<ProjectResource> Handle(CreateProjectCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var project = await connection.QuerySingleAsync<ProjectResource>(new CommandDefinition(Sql, command, cancellationToken: ct));
        await scope.InvalidateAsync();
        return project;
    }
}

public static class CreateProjectEndpoint
{
    public static RouteHandlerBuilder MapCreateProject(this IEndpointRouteBuilder app) => app
        .MapPost("", HandleAsync)
        .WithName("CreateProject")
        .WithSummary("Create a project")
        .WithDescription("A new project (private unless visibility says public); the caller is its owner.")
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.ETag)
        .ProducesValidationProblem();

    private static async Task<Created<ProjectResource>> HandleAsync(CreateProjectRequest request, ClaimsPrincipal user, IMediator mediator,
        HttpContext http, CancellationToken ct)
    {
        var project = await mediator.Send(new CreateProjectCommand(Caller.From(user).CallerId, request.Name!.Trim(), request.Description,
            ProjectRules.Normalize(request.Visibility, ProjectRules.Visibilities) ?? ProjectRules.Private), ct);
        http.Response.Headers.ETag = VersionETag.For(project.Version);
        return TypedResults.Created($"/api/v2/projects/{project.Id}", project);
    }
}
