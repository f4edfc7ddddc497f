using System.Net.Http.Headers;
using TaskManager.Tests.Generated;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Comments;

/// <summary>The client generated from openapi/v2.json discusses a task as an SDK user would: if the document lies about a
/// comment route, its body, its headers or its answers, these calls fail.</summary>
public sealed class CommentsClientTests : ApiTest
{
    [Test]
    public async Task A_generated_client_comments_pages_edits_with_If_Match_and_deletes()
    {
        var (_, token) = await SignUpAsync("sdk-user");
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var api = new TaskManagerClient(Client);
        var task = (await api.CreateTaskV2Async(new CreateTaskV2Request { TaskName = "Discuss the release", Priority = Priority.MEDIUM })).Result.Id;

        var created = await api.CreateCommentAsync(task, new CreateCommentRequest { Body = "First" });
        await api.CreateCommentAsync(task, new CreateCommentRequest { Body = "Second" });
        var firstPage = await api.ListCommentsAsync(task, limit: 1);
        var secondPage = (await api.ListCommentsAsync(task, limit: 1, cursor: firstPage.Result.NextCursor)).Result;
        var read = await api.GetCommentAsync(created.Result.Id);
        var etag = read.Headers["ETag"].Single();
        var patched = await api.PatchCommentAsync(created.Result.Id, new CommentPatch { Body = "First, edited" }, ifMatch: etag);
        var stale = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() =>
            api.PatchCommentAsync(created.Result.Id, new CommentPatch { Body = "Lost update" }, ifMatch: etag));
        var deleted = await api.DeleteCommentAsync(created.Result.Id);
        var gone = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => api.GetCommentAsync(created.Result.Id));

        Assert.Multiple(() =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(201));
            Assert.That(created.Headers["Location"].Single(), Is.EqualTo($"/api/v2/comments/{created.Result.Id}"));
            Assert.That((created.Result.TaskId, created.Result.Author, created.Result.Body), Is.EqualTo((task, "sdk-user", "First")));
            Assert.That(firstPage.Result.Comments.Concat(secondPage.Comments).Select(c => c.Body), Is.EqualTo(new[] { "First", "Second" }));
            Assert.That(firstPage.Headers["Link"].Single(), Does.Contain("rel=\"next\""));
            Assert.That(secondPage.NextCursor, Is.Null);
            Assert.That((patched.Result.Body, patched.Result.Version, patched.Headers["ETag"].Single()), Is.EqualTo(("First, edited", 2, "\"2\"")));
            Assert.That(stale!.StatusCode, Is.EqualTo(412));
            Assert.That(deleted.StatusCode, Is.EqualTo(204));
            Assert.That(gone!.StatusCode, Is.EqualTo(404));
        });
    }
}
