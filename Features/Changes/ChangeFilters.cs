using System.Globalization;

namespace TaskManager.Features.Changes;

/// <summary>The feed's and the stream's query: where to start and which projects. Bad values are a 400 naming the field;
/// a project the caller may not read is no error, it matches nothing.</summary>
public sealed record ChangeFilters(ChangePosition? After, long[]? Projects)
{
    public const int MaxProjects = 100;
    public const int DefaultLimit = 100;

    public const string AfterError = "after must be a position this feed gave (next_position, or a change's position).";
    public const string ProjectIdError = "project_id must be a project id or a comma-separated list of them.";
    public static readonly string TooManyProjects = $"project_id may name at most {MaxProjects} projects.";
    public const string LimitError = "limit must be a whole number from 1 to 1000.";

    public static ChangePosition? Position(string value) => ChangePosition.TryParse(value, out var position) ? position : null;

    /// <summary>The ids as given, repeats and all (null: one is not an id).</summary>
    public static long[]? ProjectIds(string value)
    {
        var ids = value.Split(',', StringSplitOptions.TrimEntries).Select(QueryValues.Id).ToArray();
        return ids.All(id => id is not null) ? [.. ids.Select(id => id!.Value)] : null;
    }

    /// <summary>The page size: 1-1000, 100 when not given.</summary>
    public static int? Limit(string? value) =>
        value is null ? DefaultLimit
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 1000 ? limit
        : null;

    /// <summary>The filters of a query whose values are checked already.</summary>
    public static ChangeFilters From(string? after, string? projectId) =>
        new(after is null ? null : Position(after), projectId is null ? null : [.. ProjectIds(projectId)!.Distinct()]);
}

/// <summary>The start and the projects, as the feed and the stream take them.</summary>
public interface IChangeQuery
{
    string? After { get; }
    string? ProjectId { get; }
}

/// <summary>One error at a time: the start, then the projects.</summary>
public sealed class ChangeQueryValidator : AbstractValidator<IChangeQuery>
{
    public ChangeQueryValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.After).Checked(v => ChangeFilters.Position(v) is not null, _ => ChangeFilters.AfterError);
        RuleFor(r => r.ProjectId).Custom((value, context) =>
        {
            if (value is not null && ChangeFilters.ProjectIds(value) is var ids && ids?.Length is not <= ChangeFilters.MaxProjects)
            {
                context.AddFailure(ids is null ? ChangeFilters.ProjectIdError : ChangeFilters.TooManyProjects);
            }
        });
    }
}
