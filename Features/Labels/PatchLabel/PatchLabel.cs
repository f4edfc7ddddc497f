using System.Text.Json;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Labels.PatchLabel;

/// <summary>The fields a merge patch may carry (for the document; the body is read as RFC 7396 JSON Merge Patch).
/// `color: null` clears it.</summary>
[RequestBody(NeverNull = ["name"])]
public sealed record LabelPatch(string? Name, string? Color);

public sealed record PatchLabelCommand(long Id, long CallerId, bool CallerIsAdmin, int[]? ExpectedVersions, string? Name, string? Color,
    bool ClearColor) : ICommand<Outcome<LabelResource>>;

/// <summary>A rename shows on every task at once (tasks hold label ids); their versions move so their ETags do too.</summary>
public sealed class PatchLabelHandler(DbSession db, TaskReadCache cache) : ICommandHandler<PatchLabelCommand, Outcome<LabelResource>>
{
    private static readonly string Sql = $"""
        WITH next AS (
            SELECT coalesce(@Name, l.name) AS name, CASE WHEN @ClearColor THEN NULL ELSE coalesce(lower(@Color), l.color) END AS color,
                   l.name AS old_name, l.color AS old_color
            FROM labels l WHERE l.id = @Id
        ), l AS (
            UPDATE labels l SET name = n.name, color = n.color,
                updated_at = CASE WHEN (n.name, n.color) IS DISTINCT FROM (n.old_name, n.old_color) THEN now() ELSE l.updated_at END,
                version = l.version + CASE WHEN (n.name, n.color) IS DISTINCT FROM (n.old_name, n.old_color) THEN 1 ELSE 0 END
            FROM next n, projects p
            WHERE l.id = @Id AND p.id = l.project_id AND {ProjectAccess.Readable} AND {LabelSql.Manageable}
              AND (@ExpectedVersions::int[] IS NULL OR l.version = ANY(@ExpectedVersions))
              AND NOT EXISTS (SELECT 1 FROM labels o WHERE o.project_id = l.project_id AND o.id <> l.id AND lower(o.name) = lower(n.name))
            RETURNING l.*, l AS row, n.name IS DISTINCT FROM n.old_name AS renamed, (n.name, n.color) IS DISTINCT FROM (n.old_name, n.old_color) AS changed
        ), ev AS (
            {LabelSql.Outbox("'updated'", "l.row", "l WHERE l.changed")}
        ), touched AS (
            {LabelSql.RenameOnTasks("(SELECT name FROM l)")} AND EXISTS (SELECT 1 FROM l WHERE l.renamed)
        )
        SELECT {LabelSql.Columns} FROM l
        """;

    private const string TakenSql = """
        SELECT EXISTS (SELECT 1 FROM labels l JOIN labels o ON o.project_id = l.project_id AND o.id <> l.id AND lower(o.name) = lower(@Name)
                       WHERE l.id = @Id)
        """;

    public async ValueTask<Outcome<LabelResource>> Handle(PatchLabelCommand command, CancellationToken ct)
    {
        await using var lease = await db.OpenAsync(ct);
        var connection = lease.Connection;
        if (await connection.QuerySingleOrDefaultAsync<LabelResource>(new CommandDefinition(Sql, command, cancellationToken: ct)) is { } label)
        {
            await lease.AfterCommitAsync(cache.InvalidateAsync);
            return label;
        }
        var why = await connection.QuerySingleOrDefaultAsync<LabelWhyNot>(new CommandDefinition(LabelSql.WhyNotSql, command, cancellationToken: ct));
        if (why is { MayManage: true, Archived: false } && command.Name is not null &&
            await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TakenSql, command, cancellationToken: ct)))
        {
            return Outcome<LabelResource>.Conflict($"The project already has a label named '{command.Name}'.");
        }
        return why is null ? Outcome<LabelResource>.NotFound($"Label {command.Id} does not exist.") : why.Refusal<LabelResource>(command.ExpectedVersions);
    }
}

public static class PatchLabelEndpoint
{
    public static RouteHandlerBuilder MapPatchLabel(this IEndpointRouteBuilder app) => app
        .MapPatch("/labels/{id}", HandleAsync)
        .WithName("PatchLabel")
        .WithSummary("Change a label")
        .WithDescription("JSON Merge Patch (RFC 7396) of name and color (null clears it); a rename shows on every task at once. " +
                         "Send If-Match with the label's ETag to avoid overwriting a newer change.")
        .AcceptsMergePatch<LabelPatch>();

    private static Task<Results<Ok<LabelResource>, Problem>> HandleAsync(long id, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var caller = Caller.From(user);
        return MergePatchBody.SendAsync(request, mediator, PatchLabelRequest.Read,
            patch => new PatchLabelCommand(id, caller.CallerId, caller.CallerIsAdmin, VersionETag.ExpectedVersions(ifMatch), patch.Name?.Trim(),
                patch.Color, patch.ClearColor),
            label => label.Version, ct);
    }
}

/// <summary>A merge patch as read: each known key with its JSON type checked, unknown keys ignored.</summary>
public sealed record PatchLabelRequest(string? Name, string? Color, bool ClearColor)
{
    public static PatchRead<PatchLabelRequest> Read(JsonElement body)
    {
        var patch = new PatchLabelRequest(null, null, false);
        var invalid = MergePatchBody.ReadKeys(body, (key, value) =>
        {
            switch (key)
            {
                case "name" when value.ValueKind == JsonValueKind.String: patch = patch with { Name = value.GetString() }; break;
                case "name": return Problem.Invalid(key, LabelRules.NameError(null)!);
                case "color" when value.ValueKind == JsonValueKind.Null: patch = patch with { ClearColor = true }; break;
                case "color" when value.ValueKind == JsonValueKind.String: patch = patch with { Color = value.GetString() }; break;
                case "color": return Problem.Invalid(key, LabelRules.ColorError);
            }
            return null;
        });
        return invalid is null ? patch : invalid;
    }
}

public sealed class PatchLabelValidator : AbstractValidator<PatchLabelRequest>
{
    public PatchLabelValidator()
    {
        RuleFor(p => p.Name).ValidLabelName().When(p => p.Name is not null);
        RuleFor(p => p.Color).ValidColor();
    }
}
