using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Comments;

/// <summary>Comments on a task: written, read by id and page by page oldest first, edited with If-Match, and refused when
/// their body is not text of 1 to 10,000 characters.</summary>
public sealed class CommentsTests : ApiTest
{
    [Test]
    public async Task A_comment_is_created_read_and_listed_oldest_first_page_by_page()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var task = await TaskAsync(alice);
        var body = "  Looks good 👍\nbut check the *edge* cases.  ";

        var created = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json(new JsonObject { ["body"] = body }.ToJsonString()));
        var comment = await ReadJsonAsync(created);
        var id = comment["id"]!.GetValue<long>();
        for (var i = 2; i <= 5; i++)
        {
            await CommentAsync(alice, task, $"Comment {i}");
        }
        var read = await SendAsync(HttpMethod.Get, $"/api/v2/comments/{id}", alice);
        var first = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments?limit=2", alice);
        var pages = new List<JsonObject> { await ReadJsonAsync(first) };
        while (pages[^1]["next_cursor"]?.GetValue<string>() is { } cursor)
        {
            pages.Add(await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments?limit=2&cursor={Uri.EscapeDataString(cursor)}", alice)));
        }
        var foreignCursor = await SendAsync(HttpMethod.Get,
            $"/api/v2/tasks/{await TaskAsync(alice)}/comments?cursor={Uri.EscapeDataString(pages[0]["next_cursor"]!.GetValue<string>())}", alice);

        Assert.Multiple(async () =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/comments/{id}"));
            Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That(comment["task_id"]!.GetValue<long>(), Is.EqualTo(task));
            Assert.That((comment["author_id"]!.GetValue<long>(), comment["author"]!.GetValue<string>()), Is.EqualTo((aliceId, "alice")));
            Assert.That(comment["body"]!.GetValue<string>(), Is.EqualTo(body), "kept exactly as written");
            Assert.That(comment["version"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(comment.Select(p => p.Key), Is.EquivalentTo(new[] { "id", "task_id", "author_id", "author", "body", "created_at", "updated_at", "version" }));
            Assert.That((await ReadJsonAsync(read)).ToJsonString(), Is.EqualTo(comment.ToJsonString()));
            Assert.That(read.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That(first.Headers.TryGetValues("Link", out var link) ? link.Single() : "", Does.Contain("rel=\"next\""));
            Assert.That(pages.SelectMany(p => p["comments"]!.AsArray()).Select(c => c!["body"]!.GetValue<string>()),
                Is.EqualTo(new[] { body, "Comment 2", "Comment 3", "Comment 4", "Comment 5" }));
            Assert.That(pages.Select(p => p["comments"]!.AsArray().Count), Is.EqualTo(new[] { 2, 2, 1 }));
            Assert.That(foreignCursor.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a cursor of another task's comments");
        });
    }

    [Test]
    public async Task An_edit_with_a_stale_ETag_is_refused_and_one_with_the_current_ETag_lands()
    {
        var (_, alice) = await SignUpAsync("alice");
        var task = await TaskAsync(alice);
        var id = await CommentAsync(alice, task, "First thoughts");

        var edited = await PatchAsync(alice, id, """{"body":"Second thoughts","id":999,"version":50}""", "\"1\"");
        var stale = await PatchAsync(alice, id, """{"body":"Third thoughts"}""", "\"1\"");
        var same = await PatchAsync(alice, id, """{"body":"Second thoughts"}""", "\"2\"", "application/json");
        var notModified = await SendGetAsync($"/api/v2/comments/{id}", alice, "\"2\"");
        var now = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/comments/{id}", alice));

        Assert.Multiple(async () =>
        {
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(edited.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            var body = await ReadJsonAsync(edited);
            Assert.That((body["id"]!.GetValue<long>(), body["version"]!.GetValue<int>()), Is.EqualTo((id, 2)), "fields not the comment's are ignored");
            Assert.That(body["updated_at"]!.GetValue<DateTime>(), Is.GreaterThan(body["created_at"]!.GetValue<DateTime>()));
            await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
            Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(same.Headers.ETag?.Tag, Is.EqualTo("\"2\""), "a patch that changes nothing keeps the version");
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(now["body"]!.GetValue<string>(), Is.EqualTo("Second thoughts"));
        });
    }

    [TestCase("")]
    [TestCase(" \n\t\u00a0 ")]
    [TestCase(null)]
    [TestCase("too long")]
    public async Task A_body_that_is_not_1_to_10000_characters_of_text_is_a_400_naming_body(string? body)
    {
        var (_, alice) = await SignUpAsync("alice");
        var task = await TaskAsync(alice);
        var id = await CommentAsync(alice, task, "Fine");
        var json = new JsonObject { ["body"] = body == "too long" ? new string('x', 10_001) : body }.ToJsonString();

        var created = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json(json));
        var patched = await PatchAsync(alice, id, json);

        foreach (var response in new[] { created, patched })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "body" }));
        }
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT string_agg(body, '|') FROM task_comments"), Is.EqualTo("Fine"));
    }

    [Test]
    public async Task Ten_thousand_characters_are_accepted_counted_as_characters_not_UTF16_units()
    {
        var (_, alice) = await SignUpAsync("alice");
        var task = await TaskAsync(alice);
        var emoji = string.Concat(Enumerable.Repeat("👍", 10_000));

        var letters = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json($$"""{"body":"{{new string('x', 10_000)}}"}"""));
        var emojis = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json($$"""{"body":"{{emoji}}"}"""));

        Assert.Multiple(async () =>
        {
            Assert.That(letters.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(emojis.StatusCode, Is.EqualTo(HttpStatusCode.Created), await emojis.Content.ReadAsStringAsync());
            Assert.That((await ReadJsonAsync(emojis))["body"]!.GetValue<string>(), Is.EqualTo(emoji));
        });
    }

    private async Task<long> TaskAsync(string token, string extra = "")
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json($$"""{"task_name":"Discuss me","priority":"LOW"{{extra}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<long> CommentAsync(string token, long task, string body)
    {
        var response = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", token, Json(new JsonObject { ["body"] = body }.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<HttpResponseMessage> PatchAsync(string token, long id, string json, string? ifMatch = null, string type = "application/merge-patch+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v2/comments/{id}") { Content = new StringContent(json, Encoding.UTF8, type) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return await Client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendGetAsync(string url, string token, string ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await Client.SendAsync(request);
    }
}
