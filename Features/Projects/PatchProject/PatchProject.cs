using System.Text.Json;

namespace TaskManager.Features.Projects.PatchProject;

/// <summary>The fields a merge patch may carry (for the document; the body is read as RFC 7396 JSON Merge Patch).
/// `description: null` clears it; `archived` archives or restores the project.</summary>
[RequestBody(NeverNull = ["name", "visibility", "archived"], Example = """{"archived":true}""")]
public sealed record ProjectPatch(string? Name, string? Description, string? Visibility, bool? Archived);

public sealed record PatchProjectCommand(long Id, long CallerId, bool CallerIsAdmin, int[]? ExpectedVersions, string? Name,
    string? Description, bool ClearDescription, string? Visibility, bool? Archived) : ICommand<Outcome<ProjectResource>>;

/// <summary>The project is locked, the caller's right and the rules checked against it, then changed, in one transaction;
/// member changes lock the same row, so a right cannot be lost between the check and the change.</summary>
public sealed class PatchProjectHandler(NpgsqlDataSource db, ProjectScope scope) : ICommandHandler<PatchProjectCommand, Outcome<ProjectResource>>
{
    // Read once the project is locked (ProjectLock).
    private const string LockedSql = $"""
        SELECT p.version, p.is_default, p.archived_at IS NOT NULL AS archived, {ProjectAccess.Manageable} AS manageable
        FROM projects p WHERE p.id = @Id AND {ProjectAccess.Readable}
        """;

    private static readonly string UpdateSql = $"""
        WITH next AS (
            SELECT n.*, (n.name, n.description, n.visibility, n.archived_at)
                        IS DISTINCT FROM (p.name, p.description, p.visibility, p.archived_at) AS changes
            FROM projects p, LATERAL (SELECT
                coalesce(@Name, p.name) AS name,
                CASE WHEN @ClearDescription THEN NULL ELSE coalesce(@Description, p.description) END AS description,
                coalesce(@Visibility, p.visibility) AS visibility,
                CASE WHEN @Archived IS NULL THEN p.archived_at WHEN @Archived THEN coalesce(p.archived_at, now()) END AS archived_at) n
            WHERE p.id = @Id
        ), p AS (
            UPDATE projects p SET name = n.name, description = n.description, visibility = n.visibility, archived_at = n.archived_at,
                updated_at = CASE WHEN n.changes THEN now() ELSE p.updated_at END,
                version = p.version + CASE WHEN n.changes THEN 1 ELSE 0 END
            FROM next n
            WHERE p.id = @Id
            RETURNING p.*, p AS row, n.changes
        ), ev AS (
            {ProjectEventSql.Outbox("'updated'", "p.row", "p WHERE p.changes")}
        )
        SELECT {ProjectSql.Columns} FROM p {ProjectSql.CallerMembership}
        """;

    public async ValueTask<Outcome<ProjectResource>> Handle(PatchProjectCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var row = await ProjectLock.ReadLockedAsync<Locked>(connection, transaction, LockedSql, command, ct);
        if (row is not { } current)
        {
            return Outcome<ProjectResource>.NotFound($"Project {command.Id} does not exist.");
        }
        if (!current.Manageable)
        {
            return Outcome<ProjectResource>.Forbidden("Only the project's owners and admins may change it.");
        }
        if (command.ExpectedVersions is { } expected && !expected.Contains(current.Version))
        {
            return Outcome<ProjectResource>.PreconditionFailed("The project has changed since you read it (If-Match does not match its ETag).");
        }
        if (current.IsDefault && (command.Visibility == ProjectRules.Private || command.Archived == true))
        {
            return Outcome<ProjectResource>.Conflict("The default project stays public and cannot be archived.");
        }
        if (current.Archived && command.Archived != false)
        {
            return Outcome<ProjectResource>.Conflict("The project is archived and read-only; send archived: false to restore it first.");
        }
        var project = await connection.QuerySingleAsync<ProjectResource>(new CommandDefinition(UpdateSql, command, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        if (command.Visibility is not null)
        {
            await scope.InvalidateAsync();
        }
        return project;
    }

    private sealed class Locked
    {
        public int Version { get; init; }
        public bool IsDefault { get; init; }
        public bool Archived { get; init; }
        public bool Manageable { get; init; }
    }
}

public static class PatchProjectEndpoint
{
    public static RouteHandlerBuilder MapPatchProject(this IEndpointRouteBuilder app) => app
        .MapPatch("/{id}", HandleAsync)
        .WithName("PatchProject")
        .WithSummary("Change a project")
        .WithDescription("JSON Merge Patch (RFC 7396) of name, description (null clears it), visibility and archived (owners, admins). " +
                         "Send If-Match with the project's ETag to avoid overwriting a newer change.")
        .AcceptsMergePatch<ProjectPatch>();

    private static Task<Results<Ok<ProjectResource>, Problem>> HandleAsync(long id, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return MergePatchBody.SendAsync(request, mediator, PatchProjectRequest.Read,
            patch => new PatchProjectCommand(id, caller.CallerId, caller.CallerIsAdmin, VersionETag.ExpectedVersions(ifMatch), patch.Name?.Trim(),
                patch.Description, patch.ClearDescription, ProjectRules.Normalize(patch.Visibility, ProjectRules.Visibilities), patch.Archived),
            project => project.Version, ct);
    }
}

/// <summary>A merge patch as read: each known key with its JSON type checked, unknown keys ignored.</summary>
public sealed record PatchProjectRequest(string? Name, string? Description, bool ClearDescription, string? Visibility, bool? Archived)
{
    public static PatchRead<PatchProjectRequest> Read(JsonElement body)
    {
        var patch = new PatchProjectRequest(null, null, false, null, null);
        var invalid = MergePatchBody.ReadKeys(body, (key, value) =>
        {
            var kind = value.ValueKind;
            switch (key)
            {
                case "name" when kind == JsonValueKind.String: patch = patch with { Name = value.GetString() }; break;
                case "name": return Problem.Invalid(key, ProjectRules.NameError);
                case "description" when kind == JsonValueKind.Null: patch = patch with { ClearDescription = true }; break;
                case "description" when kind == JsonValueKind.String: patch = patch with { Description = value.GetString() }; break;
                case "description": return Problem.Invalid(key, ProjectRules.DescriptionOrNullError);
                case "visibility" when kind == JsonValueKind.String: patch = patch with { Visibility = value.GetString() }; break;
                case "visibility": return Problem.Invalid(key, ProjectRules.VisibilityError);
                case "archived" when kind is JsonValueKind.True or JsonValueKind.False: patch = patch with { Archived = value.GetBoolean() }; break;
                case "archived": return Problem.Invalid(key, "archived must be true or false.");
            }
            return null;
        });
        return invalid is null ? patch : invalid;
    }
}

/// <summary>The create's rules (ProjectRules), with the merge patch's message where null clears the description.</summary>
public sealed class PatchProjectValidator : AbstractValidator<PatchProjectRequest>
{
    public PatchProjectValidator()
    {
        RuleFor(p => p.Name).ValidProjectName().When(p => p.Name is not null);
        RuleFor(p => p.Description).ValidProjectDescription().WithMessage(ProjectRules.DescriptionOrNullError);
        RuleFor(p => p.Visibility).ValidVisibility();
    }
}
