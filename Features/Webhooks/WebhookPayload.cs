using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskManager.Features.Webhooks;

/// <summary>The body of a delivery: {type, timestamp, data}. Built once when the delivery is made and stored as text,
/// so every retry sends the same bytes.</summary>
public static class WebhookPayload
{
    /// <summary>With <paramref name="position"/>, the change's place in the feed: a receiver that missed a delivery reads the
    /// gap from /api/v2/changes.</summary>
    public static string Build(string type, DateTime timestamp, JsonNode? data, string? position = null)
    {
        var body = new JsonObject
        {
            ["type"] = type,
            ["timestamp"] = DateTime.SpecifyKind(timestamp, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        };
        if (position is not null)
        {
            body["position"] = position;
        }
        body["data"] = data;
        return body.ToJsonString(Options);
    }

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
