using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace TaskManager.Tests.Support;

/// <summary>A client of one application instance, signed in as a freshly registered user: for tests that run
/// applications of their own rather than the shared one.</summary>
public sealed record SignedInClient(HttpClient Client, string Token)
{
    public static async Task<SignedInClient> SignUpAsync(TaskManagerApp app, string? username = null)
    {
        var client = app.CreateClient();
        var name = username ?? "u" + Guid.NewGuid().ToString("N")[..8];
        var register = await client.PostAsync("/api/register", Json($$"""{"username":"{{name}}","email":"{{name}}@example.com","password":"correct-horse-1"}"""));
        Assert.That(register.StatusCode, Is.EqualTo(HttpStatusCode.Created), await register.Content.ReadAsStringAsync());
        var login = await client.PostAsync("/api/login", Json($$"""{"username":"{{name}}","password":"correct-horse-1"}"""));
        return new SignedInClient(client, JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>());
    }

    /// <summary>The same user, talking to another instance of the application.</summary>
    public SignedInClient On(TaskManagerApp other) => this with { Client = other.CreateClient() };

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
        request.Headers.Authorization = new("Bearer", Token);
        return await Client.SendAsync(request);
    }

    public async Task<long> CreateTaskAsync(string name)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/task", $$"""{"task_name":"{{name}}","priority":"LOW"}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<long>();
    }

    public async Task RenameAsync(long id, string name) =>
        Assert.That((await SendAsync(HttpMethod.Put, $"/api/task/{id}", $$"""{"task_name":"{{name}}"}""")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

    /// <summary>The task names on the first page of the daily log.</summary>
    public async Task<string[]> ListNamesAsync()
    {
        var response = await SendAsync(HttpMethod.Get, "/api/tasks?page=1&per_page=10");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["tasks"]!.AsArray()
            .Select(t => t!["task_name"]!.GetValue<string>()).ToArray();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
