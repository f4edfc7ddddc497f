using System.Globalization;
using FluentValidation;
using Microsoft.Net.Http.Headers;

namespace TaskManager.Features.Tasks;

/// <summary>The ETag of a task is its version, as a strong entity tag.</summary>
public static class TaskETag
{
    public static string For(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The versions an If-Match header accepts (RFC 9110 13.1.1): null when there is none or it is
    /// `*` (any version will do); else the versions its strong tags name. If-Match compares strongly, so a weak
    /// tag matches nothing, and neither does a header that cannot be parsed (an empty array).</summary>
    public static int[]? ExpectedVersions(string? ifMatch)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return null;
        }
        if (!EntityTagHeaderValue.TryParseList([ifMatch], out var tags))
        {
            return [];
        }
        if (tags.Any(t => t.Equals(EntityTagHeaderValue.Any)))
        {
            return null;
        }
        return tags
            .Where(t => !t.IsWeak)
            .Select(t => int.TryParse(t.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToArray();
    }
}
