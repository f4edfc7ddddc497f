using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskManager.Features.Webhooks;

/// <summary>The body of a delivery: {type, timestamp, data}. Built once when the delivery is made and stored as text,
/// so every retry sends the same bytes.</summary>
public static class WebhookPayload
{
    public static string Build(string type, DateTime timestamp, JsonNode? data) => new JsonObject
    {
        ["type"] = type,
        ["timestamp"] = DateTime.SpecifyKind(timestamp, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        ["data"] = data,
    }.ToJsonString(Options);

    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
