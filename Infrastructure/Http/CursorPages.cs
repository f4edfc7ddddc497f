using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace TaskManager.Infrastructure.Http;

/// <summary>The query string of a cursor-paged list, and what its cursors are bound to.</summary>
public interface IPageRequest
{
    string? Limit { get; }
    string? Cursor { get; }
    string Fingerprint();
}

/// <summary>A list's page: limit, then, when given, a cursor that <c>after</c> reads as a position of this list and
/// query; one error at a time.</summary>
public abstract class PageValidator<T> : AbstractValidator<T> where T : IPageRequest
{
    protected PageValidator(Func<T, object?> after, string message)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Limit).ValidLimit();
        RuleFor(r => r.Cursor).ValidCursor(after, message);
    }
}

/// <summary>What every cursor-paged v2 list shares: the limit parameter, and the Link header to the next page.</summary>
public static class CursorPages
{
    public const int DefaultLimit = 20;

    public const string LimitError = "limit must be a whole number from 1 to 100.";

    /// <summary>The page size, or null when the value is not 1-100 (a 400 naming `limit`: QueryValues.ValidLimit).</summary>
    public static int? Limit(string? value) =>
        value is null ? DefaultLimit
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 100 ? limit
        : null;

    /// <summary>Link: the same request with the next page's cursor, as RFC 8288 describes.</summary>
    public static void LinkNext(HttpContext http, string? nextCursor)
    {
        if (nextCursor is null)
        {
            return;
        }
        var query = http.Request.Query.Where(p => p.Key != "cursor").ToDictionary(p => p.Key, p => (string?)p.Value.ToString());
        query["cursor"] = nextCursor;
        http.Response.Headers.Link = $"<{QueryHelpers.AddQueryString(http.Request.PathBase + http.Request.Path, query)}>; rel=\"next\"";
    }

    /// <summary>200 with the page, and the Link to the next one when there is one.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.Ok<T> Ok<T>(HttpContext http, T page, string? nextCursor)
    {
        LinkNext(http, nextCursor);
        return TypedResults.Ok(page);
    }

    /// <summary>The first `limit` rows, and the cursor after the last of them when one more row was read.</summary>
    public static (List<T> Page, string? Next) Split<T>(List<T> rows, int limit, Cursors cursors, string fingerprint, Func<T, string[]> position)
    {
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? cursors.Encode(fingerprint, position(page[^1])) : null);
    }
}
