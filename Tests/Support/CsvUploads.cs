using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace TaskManager.Tests.Support;

/// <summary>Uploading CSV files and waiting for their imports, as a client does.</summary>
public static class CsvUploads
{
    public static string SamplePath { get; } = FindSample();

    public static MultipartFormDataContent Form(byte[] content, string fileName = "tasks.csv", string field = "file")
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { file, field, fileName } };
    }

    public static MultipartFormDataContent Form(string csv, string fileName = "tasks.csv") => Form(Encoding.UTF8.GetBytes(csv), fileName);

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string token, HttpContent form, string query = "", string? idempotencyKey = null,
        string path = "/api/upload-csv")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path + query) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await client.SendAsync(request);
    }

    /// <summary>The import's status once it has finished (or the last one read, after the time is up).</summary>
    public static Task<JsonObject> FinishedAsync(HttpClient client, string token, string importId, TimeSpan? within = null) =>
        Eventually.ReadAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/imports/{importId}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await client.SendAsync(request);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        }, status => status["status"]?.GetValue<string>() is "succeeded" or "partially_succeeded" or "failed", within ?? TimeSpan.FromSeconds(30));

    private static string FindSample()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "tasks-sample.csv");
        return File.Exists(path) ? path : throw new FileNotFoundException("Tests/Data/tasks-sample.csv was not copied beside the test binaries", path);
    }
}
