using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace TaskManager.Features.Changes;

/// <summary>The feed's and the stream's query: where to start and which projects. Bad values are a 400 naming the field;
/// a project the caller may not read is no error, it matches nothing.</summary>
public sealed record ChangeFilters(ChangePosition? After, long[]? Projects)
{
    public const int MaxProjects = 100;

    public static bool TryParse(string? after, string? projectId, [NotNullWhen(true)] out ChangeFilters? filters, [NotNullWhen(false)] out Problem? problem)
    {
        filters = null;
        problem = null;
        ChangePosition? start = null;
        if (after is not null)
        {
            if (!ChangePosition.TryParse(after, out var position))
            {
                problem = Problem.Invalid("after", "after must be a position this feed gave (next_position, or a change's position).");
                return false;
            }
            start = position;
        }
        long[]? projects = null;
        if (projectId is not null)
        {
            var parts = projectId.Split(',', StringSplitOptions.TrimEntries);
            var ids = new List<long>(parts.Length);
            foreach (var part in parts)
            {
                if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
                {
                    problem = Problem.Invalid("project_id", "project_id must be a project id or a comma-separated list of them.");
                    return false;
                }
                ids.Add(id);
            }
            if (ids.Count > MaxProjects)
            {
                problem = Problem.Invalid("project_id", $"project_id may name at most {MaxProjects} projects.");
                return false;
            }
            projects = [.. ids.Distinct()];
        }
        filters = new ChangeFilters(start, projects);
        return true;
    }

    /// <summary>The page size: 1-1000, 100 when not given.</summary>
    public static bool TryLimit(string? value, out int limit, [NotNullWhen(false)] out Problem? problem)
    {
        limit = 100;
        problem = null;
        if (value is null)
        {
            return true;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= 1000)
        {
            return true;
        }
        problem = Problem.Invalid("limit", "limit must be a whole number from 1 to 1000.");
        return false;
    }
}
