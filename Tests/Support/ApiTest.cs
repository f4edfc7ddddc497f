using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace TaskManager.Tests.Support;

/// <summary>Base of the HTTP tests: the shared application, an empty database before each test, and
/// helpers that talk to the API as a client does.</summary>
public abstract class ApiTest
{
    protected TaskManagerApp App { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    [SetUp]
    public async Task ResetAsync()
    {
        App = await ApplicationAsync();
        _ = App.Server; // started, so its migrations have run
        await TestDatabase.DrainAsync(App.ConnectionString);
        await TestDatabase.ResetAsync(App.ConnectionString);
        // The tables were emptied behind the service's back: drop what it cached of them.
        await App.Services.GetRequiredService<TaskManager.Features.Tasks.TaskReadCache>().InvalidateAsync();
        // So are the projects: who may read what is worked out again.
        await App.Services.GetRequiredService<TaskManager.Features.Projects.ProjectScope>().InvalidateAsync();
        // Ids start again at 1, so what it remembers of accounts would describe another test's users.
        App.Services.GetRequiredService<TaskManager.Infrastructure.Auth.AccountStatus>().Clear();
        Client = App.CreateClient();
    }

    [TearDown]
    public void DisposeClient() => Client.Dispose();

    /// <summary>The application the tests of a fixture talk to: by default one shared by all, on the in-memory bus.</summary>
    protected virtual Task<TaskManagerApp> ApplicationAsync() => TaskManagerApp.SharedAsync();

    protected static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    protected Task<HttpResponseMessage> RegisterAsync(string username, string? email = null, string password = "correct-horse-1") =>
        Client.PostAsJsonAsync("/api/register", new { username, email = email ?? $"{username}@example.com", password });

    protected async Task<(long Id, string Token)> SignUpAsync(string username, string password = "correct-horse-1")
    {
        var registered = await RegisterAsync(username, password: password);
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
        var id = (await ReadJsonAsync(registered))["id"]!.GetValue<long>();
        var login = await Client.PostAsJsonAsync("/api/login", new { username, password });
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.OK), await login.Content.ReadAsStringAsync());
        return (id, (await ReadJsonAsync(login))["access_token"]!.GetValue<string>());
    }

    /// <summary>An account that holds the admin role in the database, not only in its token: the admin routes
    /// re-check the caller's role inside their transaction.</summary>
    protected async Task<(long Id, string Token)> SignUpAdminAsync(string username = "root")
    {
        var (id, _) = await SignUpAsync(username);
        await Sql.ExecuteAsync(App.ConnectionString,
            "INSERT INTO user_roles (user_id, role_id) SELECT @id, id FROM roles WHERE name = 'admin'", ("id", id));
        return (id, TestTokens.For(id, username, ["user", "admin"]));
    }

    /// <summary>A personal access token of the session's user, made through POST /api/v2/tokens.</summary>
    protected async Task<(long Id, string Token)> CreatePersonalTokenAsync(string session, params string[] scopes)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tokens", session,
            Json(JsonSerializer.Serialize(new { name = "token for " + string.Join(' ', scopes), scopes })));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var body = await ReadJsonAsync(response);
        return (body["id"]!.GetValue<long>(), body["token"]!.GetValue<string>());
    }

    protected async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await Client.SendAsync(request);
    }

    /// <summary>A new project (private unless <paramref name="extra"/> says otherwise) whose owner is the caller.</summary>
    protected async Task<long> CreateProjectAsync(string token, string name = "Team", string extra = "")
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/projects", token, Json($$"""{"name":"{{name}}"{{extra}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    protected async Task AddMemberAsync(string owner, long project, long userId, string role)
    {
        var response = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{project}/members/{userId}", owner, Json($$"""{"role":"{{role}}"}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    protected async Task<JsonObject> CreateTaskAsync(string token, string json)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/task", token, Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    /// <summary>alice creates "Review" assigned to bob; carol acts as manager or admin through a minted token;
    /// dave has no part in the task. Tokens by role: creator, assignee, manager, admin, other.</summary>
    protected async Task<(long TaskId, Dictionary<string, string> Tokens)> TaskOfAliceAssignedToBobAsync()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (carolId, _) = await SignUpAsync("carol");
        var (_, dave) = await SignUpAsync("dave");
        var task = await CreateTaskAsync(alice, $$"""{"task_name":"Review","priority":"MEDIUM","assigned_user_id":{{bobId}}}""");
        return (task["id"]!.GetValue<long>(), new Dictionary<string, string>
        {
            ["creator"] = alice,
            ["assignee"] = bob,
            ["manager"] = TestTokens.For(carolId, "carol", ["user", "manager"]),
            ["admin"] = TestTokens.For(carolId, "carol", ["user", "admin"]),
            ["other"] = dave,
        });
    }

    protected static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>Asserts an RFC 9457 answer with the given status whose `message` repeats its `detail`.</summary>
    protected static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        });
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)status));
            Assert.That(problem["title"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty);
            Assert.That(problem["message"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty);
            Assert.That(problem["message"]!.GetValue<string>(), Is.EqualTo(problem["detail"]!.GetValue<string>()));
            Assert.That(body, Does.Not.Contain("   at ").And.Not.Contain("Exception"), "no stack trace or exception type");
        });
        return problem;
    }

    protected static JsonSerializerOptions SnakeCase { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
