using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Comments;

/// <summary>Who may do what with comments: whoever reads the task comments, only the author edits, the author, the
/// project's owners and admins delete; a comment of a task one may not read does not exist. Deleting a task keeps its
/// comments, purging it removes them, and an archived project's comments are read-only.</summary>
public sealed class CommentRulesTests : ApiTest
{
    [Test]
    public async Task Readers_comment_only_authors_edit_and_authors_owners_and_admins_delete()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var (viewerId, viewer) = await SignUpAsync("victor");
        var (editorId, editor) = await SignUpAsync("edith");
        var (_, admin) = await SignUpAdminAsync();
        var project = await CreateProjectAsync(owner, "Private");
        await AddMemberAsync(owner, project, viewerId, "viewer");
        await AddMemberAsync(owner, project, editorId, "editor");
        var task = await TaskInAsync(owner, project);
        var comments = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            comments.Add(await CommentAsync(viewer, task, $"Victor's {i}"));
        }

        var edits = new Dictionary<string, HttpStatusCode>();
        foreach (var (who, token) in new[] { ("editor", editor), ("owner", owner), ("admin", admin), ("author", viewer) })
        {
            edits[who] = (await SendAsync(HttpMethod.Patch, $"/api/v2/comments/{comments[0]}", token, Json($$"""{"body":"by {{who}}"}"""))).StatusCode;
        }
        var editorDeletes = await SendAsync(HttpMethod.Delete, $"/api/v2/comments/{comments[0]}", editor);
        var deletes = new Dictionary<string, HttpStatusCode>();
        foreach (var (who, token, comment) in new[] { ("author", viewer, comments[1]), ("owner", owner, comments[2]), ("admin", admin, comments[3]) })
        {
            deletes[who] = (await SendAsync(HttpMethod.Delete, $"/api/v2/comments/{comment}", token)).StatusCode;
        }
        var left = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments", editor));

        Assert.Multiple(async () =>
        {
            Assert.That(edits, Is.EquivalentTo(new Dictionary<string, HttpStatusCode>
            {
                ["editor"] = HttpStatusCode.Forbidden,
                ["owner"] = HttpStatusCode.Forbidden,
                ["admin"] = HttpStatusCode.Forbidden,
                ["author"] = HttpStatusCode.OK,
            }));
            await AssertProblemAsync(editorDeletes, HttpStatusCode.Forbidden);
            Assert.That(deletes.Values, Is.All.EqualTo(HttpStatusCode.NoContent));
            Assert.That(left["comments"]!.AsArray().Select(c => c!["body"]!.GetValue<string>()), Is.EqualTo(new[] { "by author" }));
        });
    }

    [Test]
    public async Task A_comment_on_a_task_one_may_not_read_answers_exactly_as_a_missing_one()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var (_, outsider) = await SignUpAsync("mallory");
        var project = await CreateProjectAsync(owner, "Private");
        var task = await TaskInAsync(owner, project);
        var comment = await CommentAsync(owner, task, "Secret plans");
        const long missing = 999_999;

        var hidden = await EveryRouteAsync(outsider, task, comment);
        var absent = await EveryRouteAsync(outsider, missing, missing);

        Assert.That(hidden, Has.Count.EqualTo(5));
        for (var i = 0; i < hidden.Count; i++)
        {
            var shown = await AssertProblemAsync(hidden[i], HttpStatusCode.NotFound);
            var none = await AssertProblemAsync(absent[i], HttpStatusCode.NotFound);
            Assert.That(shown["detail"]!.GetValue<string>().Replace(task.ToString(), "N").Replace(comment.ToString(), "N"),
                Is.EqualTo(none["detail"]!.GetValue<string>().Replace(missing.ToString(), "N")));
        }
        Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT body FROM task_comments WHERE id = @c", ("c", comment)),
            Is.EqualTo("Secret plans"), "nothing was changed or deleted");
    }

    [Test]
    public async Task Deleting_a_task_keeps_its_comments_and_purging_it_removes_them()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, admin) = await SignUpAdminAsync();
        var task = await TaskInAsync(alice, 1);
        var before = await CommentAsync(alice, task, "Before the delete");

        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{task}", alice);
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments", alice));
        var onDeleted = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", alice, Json("""{"body":"Why was this deleted?"}"""));
        var purged = await SendAsync(HttpMethod.Delete, $"/api/task/{task}?permanent=true", admin);
        var afterPurge = await SendAsync(HttpMethod.Get, $"/api/v2/comments/{before}", alice);
        var listAfterPurge = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments", alice);

        Assert.Multiple(async () =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(list["comments"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()), Is.EqualTo(new[] { before }), "kept with the deleted task");
            Assert.That(onDeleted.StatusCode, Is.EqualTo(HttpStatusCode.Created), "a deleted task is still read by its id, so it takes comments");
            Assert.That(purged.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            await AssertProblemAsync(afterPurge, HttpStatusCode.NotFound);
            await AssertProblemAsync(listAfterPurge, HttpStatusCode.NotFound);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_comments WHERE task_id = @t", ("t", task)), Is.Zero);
        });
    }

    [Test]
    public async Task An_archived_projects_comments_are_read_but_not_written()
    {
        var (_, owner) = await SignUpAsync("olivia");
        var project = await CreateProjectAsync(owner, "Done");
        var task = await TaskInAsync(owner, project);
        var comment = await CommentAsync(owner, task, "Wrapping up");
        var archived = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{project}", owner, Json("""{"archived":true}"""));

        var writes = new[]
        {
            await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", owner, Json("""{"body":"One more"}""")),
            await SendAsync(HttpMethod.Patch, $"/api/v2/comments/{comment}", owner, Json("""{"body":"Edited"}""")),
            await SendAsync(HttpMethod.Delete, $"/api/v2/comments/{comment}", owner),
        };
        var read = await SendAsync(HttpMethod.Get, $"/api/v2/comments/{comment}", owner);
        var list = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments", owner);

        Assert.That(archived.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var write in writes)
        {
            await AssertProblemAsync(write, HttpStatusCode.Conflict);
        }
        Assert.Multiple(async () =>
        {
            Assert.That((read.StatusCode, list.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
            Assert.That((await ReadJsonAsync(read))["body"]!.GetValue<string>(), Is.EqualTo("Wrapping up"));
        });
    }

    private async Task<List<HttpResponseMessage>> EveryRouteAsync(string token, long task, long comment) =>
    [
        await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{task}/comments", token),
        await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", token, Json("""{"body":"Let me in"}""")),
        await SendAsync(HttpMethod.Get, $"/api/v2/comments/{comment}", token),
        await SendAsync(HttpMethod.Patch, $"/api/v2/comments/{comment}", token, Json("""{"body":"Mine now"}""")),
        await SendAsync(HttpMethod.Delete, $"/api/v2/comments/{comment}", token),
    ];

    private async Task<long> TaskInAsync(string token, long project)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token,
            Json($$"""{"task_name":"Discuss me","priority":"LOW","project_id":{{project}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<long> CommentAsync(string token, long task, string body)
    {
        var response = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{task}/comments", token, Json(new JsonObject { ["body"] = body }.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
