using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Labels.CreateLabel;

[RequestBody("name")]
public sealed record CreateLabelRequest(string? Name, string? Color);

public sealed class CreateLabelValidator : AbstractValidator<CreateLabelRequest>
{
    public CreateLabelValidator()
    {
        RuleFor(r => r.Name).ValidLabelName();
        RuleFor(r => r.Color).ValidColor();
    }
}

public sealed record CreateLabelCommand(long Id, string Name, string? Color, long CallerId, bool CallerIsAdmin) : ICommand<Outcome<LabelResource>>;

/// <summary>Under the project's structure lock (as a task write that creates labels takes it), so the cap holds.</summary>
public sealed class CreateLabelHandler(DbSession db) : ICommandHandler<CreateLabelCommand, Outcome<LabelResource>>
{
    private const string CheckSql = $"""
        SELECT {LabelSql.Manageable} AS may_manage, p.archived_at IS NOT NULL AS archived,
               (SELECT count(*) FROM labels WHERE project_id = p.id) AS labels,
               (SELECT name FROM labels WHERE project_id = p.id AND lower(name) = lower(@Name)) AS taken
        FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable}
        """;

    private static readonly string Sql = $"""
        WITH l AS (
            INSERT INTO labels (project_id, name, color) VALUES (@Id, @Name, lower(@Color))
            RETURNING *, labels AS row
        ), ev AS (
            {LabelSql.Outbox("'created'", "l.row", "l")}
        )
        SELECT {LabelSql.Columns} FROM l
        """;

    public async ValueTask<Outcome<LabelResource>> Handle(CreateLabelCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        await using var work = await lease.BeginTransactionAsync(ct);
        var tx = work.Transaction;
        await TaskStructure.PrepareAsync<LabelResource>(connection, tx, command.Id, null, command.CallerId, command.CallerIsAdmin, ct);
        var check = await connection.QuerySingleOrDefaultAsync<Check>(new CommandDefinition(CheckSql, command, tx, cancellationToken: ct));
        Outcome<LabelResource>? refusal = check switch
        {
            null => Outcome<LabelResource>.NotFound($"Project {command.Id} does not exist."),
            { Archived: true } => Outcome<LabelResource>.Conflict("The project is archived and read-only."),
            { MayManage: false } => Outcome<LabelResource>.Forbidden("Only the project's editors and owners may manage its labels."),
            { Taken: { } name } => Outcome<LabelResource>.Conflict($"The project already has a label named '{name}'."),
            { Labels: >= TaskStructure.MaxLabelsPerProject } => Outcome<LabelResource>.Conflict(
                $"A project holds at most {TaskStructure.MaxLabelsPerProject} labels; delete some first."),
            _ => (Outcome<LabelResource>?)null,
        };
        if (refusal is { } refused)
        {
            return refused;
        }
        var label = await connection.QuerySingleAsync<LabelResource>(new CommandDefinition(Sql, command, tx, cancellationToken: ct));
        await work.CommitAsync(ct);
        return label;
    }

    private sealed record Check(bool MayManage, bool Archived, long Labels, string? Taken);
}

public static class CreateLabelEndpoint
{
    public static RouteHandlerBuilder MapCreateLabel(this IEndpointRouteBuilder app) => app
        .MapPost("/projects/{id}/labels", HandleAsync)
        .WithName("CreateLabel")
        .WithSummary("Create a label")
        .WithDescription("A label in the project: a name unique in it ignoring case (409 when taken), color #rrggbb or null. Editors and " +
                         "owners (anyone signed in, in a public project); a project holds at most 500 labels.")
        .WithResponseHeader(StatusCodes.Status201Created, ResponseHeaders.ETag)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<LabelResource>, Problem>> HandleAsync(long id, CreateLabelRequest request, ClaimsPrincipal user,
        IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var outcome = await mediator.Send(new CreateLabelCommand(id, request.Name!.Trim(), request.Color, caller.CallerId, caller.CallerIsAdmin), ct);
        return outcome.ToResult(label =>
        {
            http.Response.Headers.ETag = VersionETag.For(label.Version);
            return TypedResults.Created($"/api/v2/labels/{label.Id}", label);
        });
    }
}
