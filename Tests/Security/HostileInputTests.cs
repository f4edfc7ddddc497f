using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>Input edges that reach past validation: NUL characters, a forged Host, the assignee filter's plan.</summary>
public sealed class HostileInputTests : ApiTest
{
    [TestCase("/api/task", """{"task_name":"a\u0000b","priority":"LOW"}""", "task_name")]
    [TestCase("/api/task", """{"task_name":"ok","description":"x\u0000","priority":"LOW"}""", "description")]
    [TestCase("/api/login", """{"username":"alice\u0000","password":"correct-horse-1"}""", "username")]
    [TestCase("/api/register", """{"username":"alice","email":"a\u0000@example.com","password":"correct-horse-1"}""", "email")]
    public async Task A_NUL_character_in_any_text_field_is_400_naming_the_field(string url, string json, string field)
    {
        var (_, token) = await SignUpAsync("mallory");
        var response = await SendAsync(HttpMethod.Post, url, token, Json(json));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().ContainsKey(field), Is.True, problem.ToJsonString());
    }

    [Test]
    public async Task A_NUL_character_in_a_query_parameter_is_400()
    {
        var (_, token) = await SignUpAsync("mallory");
        var response = await SendAsync(HttpMethod.Get, "/api/tasks?priority=LOW%00", token);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task The_OpenAPI_document_never_names_the_host_a_request_claims()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = "evil.example";
        var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body, Does.Not.Contain("evil.example"));
            Assert.That(JsonNode.Parse(body)!["servers"]![0]!["url"]!.GetValue<string>(), Is.EqualTo("/"));
        });
    }

    [Test]
    public async Task The_assignee_filter_follows_a_task_to_its_new_assignee_on_every_date()
    {
        var (taskId, tokens) = await TaskOfAliceAssignedToBobAsync();
        var (erinId, _) = await SignUpAsync("erin");
        await Sql.ExecuteAsync(App.ConnectionString,
            $"INSERT INTO task_logger (task_id, log_date, status, priority) VALUES ({taskId}, DATE '2025-04-01', true, 'LOW')");
        var bobId = await Sql.ScalarAsync<long>(App.ConnectionString, $"SELECT assigned_user_id FROM tasks WHERE id = {taskId}");
        var before = await ListAsync(tokens["creator"], bobId);

        var moved = await SendAsync(HttpMethod.Put, $"/api/task/{taskId}", tokens["creator"], Json($$"""{"assigned_user_id":{{erinId}}}"""));
        Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await moved.Content.ReadAsStringAsync());
        var bobsAfter = await ListAsync(tokens["creator"], bobId);
        var erinsAfter = await ListAsync(tokens["creator"], erinId);

        Assert.Multiple(() =>
        {
            Assert.That(before, Has.Count.EqualTo(2), "today's row and the older one");
            Assert.That(bobsAfter, Is.Empty);
            Assert.That(erinsAfter, Has.Count.EqualTo(2));
        });
    }

    private async Task<JsonArray> ListAsync(string token, long assignee)
    {
        var response = await SendAsync(HttpMethod.Get, $"/api/tasks?assigned_user_id={assignee}", token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["tasks"]!.AsArray();
    }
}
