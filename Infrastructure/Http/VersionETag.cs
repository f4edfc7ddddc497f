using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace TaskManager.Infrastructure.Http;

/// <summary>The ETag of a versioned resource (a task, a project) is its version, as a strong entity tag.</summary>
public static class VersionETag
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

    /// <summary>Whether an If-None-Match header names this version (weak comparison, RFC 9110 13.1.2).</summary>
    public static bool NotModified(string? ifNoneMatch, int version) =>
        !string.IsNullOrWhiteSpace(ifNoneMatch) && EntityTagHeaderValue.TryParseList([ifNoneMatch], out var tags) &&
        tags.Any(t => t.Equals(EntityTagHeaderValue.Any) ||
                      t.Tag.AsSpan().Trim('"').SequenceEqual(version.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A conditional GET's answer: the ETag, then 304 when If-None-Match names the version, else 200 with the body.</summary>
    public static Results<Ok<T>, StatusCodeHttpResult, Problem> Answer<T>(HttpContext http, string? ifNoneMatch, int version, Func<T> body)
    {
        http.Response.Headers.ETag = For(version);
        return NotModified(ifNoneMatch, version) ? TypedResults.StatusCode(StatusCodes.Status304NotModified) : TypedResults.Ok(body());
    }
}
