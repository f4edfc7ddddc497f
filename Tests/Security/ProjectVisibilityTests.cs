using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>What a caller may not read does not exist for it. A task moved into a private project, an import into it
/// and a webhook scoped to it are reached by the project's members and admins, and by no one else, on any route; nor is
/// the owner's personal access token (named with the secret), with a session or with a token.</summary>
public sealed class ProjectVisibilityTests : ApiTest
{
    private const string Secret = "SECRET-7f3a";

    [TestCase(false)]
    [TestCase(true)]
    public async Task An_outsider_reaches_none_of_a_private_projects_tasks_on_any_route_of_either_version(bool personalAccessToken)
    {
        var world = await PrivateTaskAsync();
        var outsider = TestTokens.For(world.OutsiderId, "mallory", ["user", "manager"]); // a manager may read audit trails
        if (personalAccessToken)
        {
            // The same outsider through a token with every scope a manager can use: it reaches no more than the session.
            await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO user_roles (user_id, role_id) VALUES (@u, 2)", ("u", world.OutsiderId));
            outsider = (await CreatePersonalTokenAsync(outsider, "tasks:read", "tasks:write", "imports", "webhooks")).Token;
        }

        var answers = new List<(string Route, HttpResponseMessage Response)>();
        foreach (var (method, route) in RoutesOfTheApplication())
        {
            var url = route
                .Replace("{id}", Id(route, world), StringComparison.Ordinal)
                .Replace("{task_id}", world.TaskId.ToString(), StringComparison.Ordinal)
                .Replace("{user_id}", world.OutsiderId.ToString(), StringComparison.Ordinal)
                .Replace("{import_id}", world.ImportId, StringComparison.Ordinal)
                .Replace("{delivery_id}", Guid.Empty.ToString(), StringComparison.Ordinal);
            // A comment's body is valid, so that the write reaches the statement that must not find the task.
            var body = route.Contains("comments", StringComparison.Ordinal) ? $$"""{"body":"{{Secret}} probe"}"""
                : route.Contains("labels", StringComparison.Ordinal) ? $$"""{"name":"{{Secret}} probe"}"""
                : route == "/api/v2/batch" ? BatchOfPrivateIds(world) : "{}";
            // The change feed and its stream from the very start: everything ever recorded, and none of it private.
            url += route.EndsWith("/changes", StringComparison.Ordinal) || route.EndsWith("/stream", StringComparison.Ordinal) ? "?after=" + new string('0', 32) : "";
            answers.Add(($"{method} {route}", route.EndsWith("/stream", StringComparison.Ordinal) ? await ReadStreamForAsync(url, outsider, TimeSpan.FromSeconds(1))
                : await SendAsync(new HttpMethod(method), url, outsider,
                    method is "GET" or "DELETE" ? null : new StringContent(body, Encoding.UTF8, "application/json"))));
        }

        Assert.Multiple(async () =>
        {
            foreach (var (route, response) in answers)
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.That(body, Does.Not.Contain(Secret), $"{route} showed the private task");
                if (route.Contains("{id}", StringComparison.Ordinal) || route.Contains("{task_id}", StringComparison.Ordinal))
                {
                    Assert.That(response.IsSuccessStatusCode, Is.False, $"{route} answered {(int)response.StatusCode} for a private id");
                }
                if (route.Contains("comments", StringComparison.Ordinal) || route.Contains("labels", StringComparison.Ordinal))
                {
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{route}: a comment or label of a hidden project is missing");
                }
            }
        });
        var batch = await ReadJsonAsync(answers.Single(a => a.Route == "POST /api/v2/batch").Response);
        Assert.That(batch["results"]!.AsArray().Select(r => r!["status"]!.GetValue<int>()), Is.All.EqualTo(404),
            "each operation of a batch on the private ids is a 404, as its single call");
        Assert.That(answers.Select(a => a.Route), Has.Some.Contains("/api/v2/tasks/{id}").And.Some.Contains("/api/tasks")
            .And.Some.Contains("/api/v2/comments/{id}").And.Some.Contains("/api/v2/labels/{id}"), "the routes were enumerated from the application");
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT string_agg(name, '|') FROM labels"), Is.EqualTo($"{Secret} tag"),
            "no label was made or renamed");
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT string_agg(body, '|') FROM task_comments"),
            Is.EqualTo($"{Secret} remark"), "no write went through");
    }

    [Test]
    public async Task A_member_reads_the_task_everywhere_and_stops_the_moment_it_is_removed()
    {
        var world = await PrivateTaskAsync();
        var before = await ReadEverywhereAsync(world);
        var removed = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{world.ProjectId}/members/{world.MemberId}", world.OwnerToken);
        var after = await ReadEverywhereAsync(world);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.All.EqualTo((HttpStatusCode.OK, true)), "a member reads it everywhere");
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(after.Take(7), Is.All.EqualTo((HttpStatusCode.NotFound, false)), "gone by id at once");
            Assert.That(after.Skip(7), Is.All.EqualTo((HttpStatusCode.OK, false)), "and from every list");
        });
    }

    /// <summary>What an event stream sends within <paramref name="time"/>; a stream never ends by itself.</summary>
    private async Task<HttpResponseMessage> ReadStreamForAsync(string url, string token, TimeSpan time)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var received = new MemoryStream();
        using var stop = new CancellationTokenSource(time);
        try
        {
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(received.ToArray()) };
    }

    /// <summary>Reads as the member: the task by id, its history, its log entry, its comments, then the lists that show it.</summary>
    private async Task<List<(HttpStatusCode, bool)>> ReadEverywhereAsync(PrivateWorld world)
    {
        var urls = new[]
        {
            $"/api/v2/tasks/{world.TaskId}", $"/api/v2/tasks/{world.TaskId}/history", $"/api/task/{world.LogEntryId}",
            $"/api/v2/tasks/{world.TaskId}/comments", $"/api/v2/comments/{world.CommentId}",
            $"/api/v2/projects/{world.ProjectId}/labels", $"/api/v2/labels/{world.LabelId}",
            "/api/v2/tasks", $"/api/v2/tasks?q={Secret}", "/api/tasks", "/api/v2/task-log", "/api/v2/tasks/export",
        };
        var seen = new List<(HttpStatusCode, bool)>();
        foreach (var url in urls)
        {
            var response = await SendAsync(HttpMethod.Get, url, world.MemberToken);
            seen.Add((response.StatusCode, (await response.Content.ReadAsStringAsync()).Contains(Secret, StringComparison.Ordinal)));
        }
        return seen;
    }

    private sealed record PrivateWorld(long ProjectId, long TaskId, long LogEntryId, string OwnerToken, long MemberId, string MemberToken, long OutsiderId,
        string ImportId, long WebhookId, long CommentId, long LabelId, long TokenId);

    private async Task<PrivateWorld> PrivateTaskAsync()
    {
        var (aliceId, _) = await SignUpAsync("alice");
        await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO user_roles (user_id, role_id) VALUES (@u, 2)", ("u", aliceId));
        var alice = TestTokens.For(aliceId, "alice", ["user", "manager"]);
        var (bobId, bob) = await SignUpAsync("bob");
        var (malloryId, _) = await SignUpAsync("mallory");
        var created = await SendAsync(HttpMethod.Post, "/api/v2/projects", alice, Json("""{"name":"Hidden"}"""));
        var project = (await ReadJsonAsync(created))["id"]!.GetValue<long>();
        var member = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{project}/members/{bobId}", alice, Json("""{"role":"viewer"}"""));
        Assert.That(member.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // Created in the public default project (its first audit entry is recorded there), then moved in.
        var task = (await CreateTaskAsync(alice, $$"""{"task_name":"{{Secret}} launch","description":"{{Secret}} plans","priority":"HIGH"}"""))["id"]!.GetValue<long>();
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10));
        var moved = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{task}", alice, Json($$"""{"project_id":{{project}},"labels":["{{Secret}} tag"]}"""));
        Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await moved.Content.ReadAsStringAsync());
        await TestDatabase.DrainAsync(App.ConnectionString, TimeSpan.FromSeconds(10)); // the move's audit entry too
        var entry = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM task_logger WHERE task_id = @t", ("t", task));
        var upload = await CsvUploads.UploadAsync(Client, alice, CsvUploads.Form(
            $"task_name,description,status,priority,created_at,assigned_user\n{Secret} row,{Secret},true,LOW,,\nbad,,true,{Secret},,\n", $"{Secret}.csv"),
            $"?project_id={project}");
        var import = (await ReadJsonAsync(upload))["import_id"]!.GetValue<string>();
        await CsvUploads.FinishedAsync(Client, alice, import);
        var webhook = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", alice,
            Json($$"""{"url":"https://hooks.example.com/{{Secret}}","events":["task.created"],"description":"{{Secret}}","project_id":{{project}}}"""));
        Assert.That(webhook.StatusCode, Is.EqualTo(HttpStatusCode.Created), await webhook.Content.ReadAsStringAsync());
        var comment = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json($$"""{"body":"{{Secret}} remark"}"""));
        Assert.That(comment.StatusCode, Is.EqualTo(HttpStatusCode.Created), await comment.Content.ReadAsStringAsync());
        var token = await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice, Json($$"""{"name":"{{Secret}} deploy","scopes":["tasks:read"]}"""));
        Assert.That(token.StatusCode, Is.EqualTo(HttpStatusCode.Created), await token.Content.ReadAsStringAsync());
        return new PrivateWorld(project, task, entry, alice, bobId, bob, malloryId, import, (await ReadJsonAsync(webhook))["id"]!.GetValue<long>(),
            (await ReadJsonAsync(comment))["id"]!.GetValue<long>(),
            await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM labels WHERE project_id = @p", ("p", project)),
            (await ReadJsonAsync(token))["id"]!.GetValue<long>());
    }

    /// <summary>Every write a batch runs, on the private project's task, comment, label and project (not atomic: each one runs).</summary>
    private static string BatchOfPrivateIds(PrivateWorld world) => $$$"""
        {"atomic":false,"operations":[
          {"method":"PATCH","path":"/api/v2/tasks/{{{world.TaskId}}}","body":{"task_name":"{{{Secret}}} probe"}},
          {"method":"DELETE","path":"/api/v2/tasks/{{{world.TaskId}}}"},
          {"method":"POST","path":"/api/v2/tasks/{{{world.TaskId}}}/restore"},
          {"method":"POST","path":"/api/v2/tasks/{{{world.TaskId}}}/comments","body":{"body":"{{{Secret}}} probe"}},
          {"method":"PATCH","path":"/api/v2/comments/{{{world.CommentId}}}","body":{"body":"{{{Secret}}} probe"}},
          {"method":"DELETE","path":"/api/v2/comments/{{{world.CommentId}}}"},
          {"method":"POST","path":"/api/v2/projects/{{{world.ProjectId}}}/labels","body":{"name":"{{{Secret}}} probe"}},
          {"method":"PATCH","path":"/api/v2/labels/{{{world.LabelId}}}","body":{"name":"{{{Secret}}} probe"}},
          {"method":"DELETE","path":"/api/v2/labels/{{{world.LabelId}}}"}]}
        """;

    private static string Id(string route, PrivateWorld world) =>
        route.StartsWith("/api/v2/projects", StringComparison.Ordinal) ? world.ProjectId.ToString()
        : route.StartsWith("/api/v2/imports", StringComparison.Ordinal) ? world.ImportId
        : route.StartsWith("/api/v2/webhooks", StringComparison.Ordinal) ? world.WebhookId.ToString()
        : route.StartsWith("/api/v2/tokens", StringComparison.Ordinal) ? world.TokenId.ToString()
        : route.StartsWith("/api/v2/task-log", StringComparison.Ordinal) ? world.LogEntryId.ToString()
        : route.StartsWith("/api/v2/comments", StringComparison.Ordinal) ? world.CommentId.ToString()
        : route.StartsWith("/api/v2/labels", StringComparison.Ordinal) ? world.LabelId.ToString()
        : route.StartsWith("/api/task/", StringComparison.Ordinal) && route.EndsWith("{id}", StringComparison.Ordinal) ? world.TaskId.ToString()
        : world.TaskId.ToString();

    /// <summary>Every route and method the application maps (a new route joins this test by itself).</summary>
    private IEnumerable<(string Method, string Route)> RoutesOfTheApplication() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Select(r => (r.Item1, System.Text.RegularExpressions.Regex.Replace(r.Item2, @"\{(\w+)(:[^}]*)?\}", "{$1}")))
            .Where(r => r.Item2.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct()
            .OrderBy(r => r.Item2, StringComparer.Ordinal);
}
