using System.Net.Http.Headers;

namespace TaskManager.Tests.Features.Changes;

public sealed record SseEvent(string? Id, string? Type, string? Data, bool Comment);

/// <summary>A client of the change stream, reading `text/event-stream` line by line as a browser's EventSource does.</summary>
public static class ServerSentEvents
{
    public static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(HttpClient client, string token, string query = "", string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v2/changes/stream{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event or comment, or null at the end of the stream.</summary>
    public static async Task<SseEvent?> NextAsync(StreamReader reader, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        string? id = null, type = null, data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if ((id ?? type ?? data) is not null)
                {
                    return new SseEvent(id, type, data, false);
                }
                continue;
            }
            if (line.StartsWith(':'))
            {
                return new SseEvent(null, null, null, true);
            }
            var (field, value) = line.IndexOf(':') is var at and > 0 ? (line[..at], line[(at + 1)..].TrimStart()) : (line, "");
            _ = field switch { "id" => id = value, "event" => type = value, "data" => data = value, _ => null };
        }
        return null;
    }

    public static async Task<SseEvent> NextChangeAsync(StreamReader reader, TimeSpan within)
    {
        while (await NextAsync(reader, within) is { } next)
        {
            if (!next.Comment)
            {
                return next;
            }
        }
        throw new AssertionException("the stream ended");
    }
}
