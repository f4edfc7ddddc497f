using System.Globalization;

namespace TaskManager.Features.Projects;

/// <summary>A project as the caller sees it: `my_role` is the caller's role in it (null for a public project it is not a
/// member of, or an admin's view of any), `task_count` its active tasks; `version` is the number behind the ETag.</summary>
public sealed record ProjectResource
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Visibility { get; init; }
    public required bool IsDefault { get; init; }
    public string? MyRole { get; init; }
    public required long TaskCount { get; init; }
    public long? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateTime? ArchivedAt { get; init; }
    public required int Version { get; init; }
}

public static class ProjectSql
{
    /// <summary>A project `p` as <see cref="ProjectResource"/>, for the caller: FROM projects p, then <see cref="CallerMembership"/>.</summary>
    public const string Columns = """
        p.id, p.name, p.description, p.visibility, p.is_default, me.role AS my_role,
        (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status) AS task_count,
        p.created_by, p.created_at, p.updated_at, p.archived_at, p.version
        """;

    public const string CallerMembership = "LEFT JOIN project_members me ON me.project_id = p.id AND me.user_id = @CallerId";
}

/// <summary>What a valid project is, in every slice that takes one.</summary>
public static class ProjectRules
{
    /// <summary>The default project, `General` (migration V15): where every v1 task and every import without a project goes.</summary>
    public const long DefaultProjectId = 1;

    public const string Public = "public";
    public const string Private = "private";
    public static readonly string[] Visibilities = [Public, Private];
    public static readonly string[] Roles = ["owner", "editor", "viewer"];

    // Characters, as the columns' checks count them (migration V15).
    public const int MaxNameCharacters = 100;
    public const int MaxDescriptionCharacters = 10_000;

    public static readonly string NameError =
        string.Create(CultureInfo.InvariantCulture, $"name must be 1 to {MaxNameCharacters} characters long (after trimming).");
    public const string IdError = "project_id must be a project id.";
    public const string VisibilityError = "visibility must be public or private.";
    public const string IdsError = "project_id takes up to 100 project ids, comma-separated.";
    public static readonly string DescriptionError =
        string.Create(CultureInfo.InvariantCulture, $"description must be at most {MaxDescriptionCharacters:N0} characters long.");

    /// <summary>A merge patch may also clear the description.</summary>
    public static readonly string DescriptionOrNullError = DescriptionError + " Or null.";

    /// <summary>The ids of a `project_id` filter (one or a comma-separated list), or null when it is not one.</summary>
    public static long[]? ParseIds(string value)
    {
        var parts = value.Split(',');
        var ids = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ids[i]) || ids[i] <= 0)
            {
                return null;
            }
        }
        return ids.Length <= 100 ? ids : null;
    }

    public static IRuleBuilderOptions<T, long?> ValidProjectId<T>(this IRuleBuilder<T, long?> rule) =>
        rule.GreaterThan(0).WithMessage(IdError);

    public static bool IsName(string? name) =>
        name is not null && !name.Contains('\0') && name.Trim().EnumerateRunes().Count() is >= 1 and <= MaxNameCharacters;

    public static bool IsDescription(string? description) =>
        description is null || (!description.Contains('\0') && description.EnumerateRunes().Count() <= MaxDescriptionCharacters);

    public static IRuleBuilderOptions<T, string?> ValidProjectName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsName).WithMessage(NameError);

    public static IRuleBuilderOptions<T, string?> ValidProjectDescription<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsDescription).WithMessage(DescriptionError);

    // Names are taken in any case (as priorities are), so that SDKs whose enums print "Viewer" are understood.
    public static IRuleBuilderOptions<T, string?> ValidVisibility<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || Normalize(v, Visibilities) is not null).WithMessage(VisibilityError);

    public static IRuleBuilderOptions<T, string?> ValidMemberRole<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(r => Normalize(r, Roles) is not null).WithMessage("role must be owner, editor or viewer.");

    /// <summary>The one of <paramref name="names"/> that <paramref name="value"/> is, in any case; null when none.</summary>
    public static string? Normalize(string? value, string[] names) =>
        value is null ? null : Array.Find(names, n => n.Equals(value, StringComparison.OrdinalIgnoreCase));
}
