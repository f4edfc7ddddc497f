using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace TaskManager.Tests.Features.Changes;

/// <summary>A client of the change feed as an integration writes one: start somewhere, follow next_position.</summary>
public sealed class ChangeFeedClient(HttpClient client, string token, string query = "")
{
    public string Position { get; set; } = "";

    public async Task<HttpResponseMessage> GetAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>Takes the current end as the starting point.</summary>
    public async Task<ChangeFeedClient> StartAsync()
    {
        var body = await ReadAsync($"/api/v2/changes?{query}");
        Assert.That(body["changes"]!.AsArray(), Is.Empty);
        Position = body["next_position"]!.GetValue<string>();
        return this;
    }

    /// <summary>One page after the position; moves the position on.</summary>
    public async Task<(List<JsonObject> Changes, bool HasMore)> NextAsync(int limit = 100)
    {
        var body = await ReadAsync($"/api/v2/changes?after={Position}&limit={limit}&{query}");
        Position = body["next_position"]!.GetValue<string>();
        return (body["changes"]!.AsArray().Select(c => c!.AsObject()).ToList(), body["has_more"]!.GetValue<bool>());
    }

    /// <summary>Every change committed before this call. The feed holds changes back while an older transaction runs (a
    /// consumer's, say), so it reads until its position has passed the end as it was when called.</summary>
    public async Task<List<JsonObject>> DrainAsync()
    {
        var target = (await ReadAsync($"/api/v2/changes?{query}"))["next_position"]!.GetValue<string>();
        var all = new List<JsonObject>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (page, more) = await NextAsync();
            all.AddRange(page);
            if (!more && string.CompareOrdinal(Position, target) >= 0)
            {
                return all;
            }
            await Task.Delay(more ? 0 : 20, timeout.Token);
        }
    }

    private async Task<JsonObject> ReadAsync(string url)
    {
        var response = await GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!.AsObject();
    }
}
