using System.Net.Http.Headers;
using System.Text;
using TaskManager.Tests.Generated;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.OpenApi;

/// <summary>The C# client NSwag generated from openapi/v2.json (Tests/Generated/TaskManagerClient.cs) drives the API
/// as an SDK user would: if the document lies about a route, a body, a header or a name, these calls fail. The task flow
/// signs in with a personal access token, as an integration does.</summary>
public sealed class GeneratedClientTests : ApiTest
{
    [Test]
    public async Task A_client_generated_from_the_document_drives_a_whole_task_flow()
    {
        var api = new TaskManagerClient(Client);
        var registered = (await api.RegisterAsync(new RegisterRequest { Username = "sdk-user", Email = "sdk@example.com", Password = "correct-horse-1" })).Result;
        var login = (await api.LoginAsync(new LoginRequest { Username = "sdk-user", Password = "correct-horse-1" })).Result;
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        var assignees = (await api.SearchUsersAsync(q: "sdk")).Result;
        var pat = (await api.CreateTokenAsync(new CreateTokenRequest { Name = "sdk flow", Scopes = ["tasks:read", "tasks:write"], ExpiresInDays = 7 })).Result;
        var tokens = (await api.ListTokensAsync()).Result;
        // The task flow runs as an integration would: with a personal access token, not the password session.
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", pat.Token);

        var request = new CreateTaskV2Request
        {
            TaskName = "Ship the release",
            Description = "From the generated client",
            Priority = Priority.HIGH,
            DueDate = new DateTimeOffset(2026, 12, 24, 0, 0, 0, TimeSpan.Zero),
            AssignedUserId = registered.Id,
        };
        var created = await api.CreateTaskV2Async(request, idempotencyKey: "sdk-1");
        var replayed = await api.CreateTaskV2Async(request, idempotencyKey: "sdk-1");
        foreach (var name in new[] { "Release notes", "Release party", "Unrelated chore" })
        {
            await api.CreateTaskV2Async(new CreateTaskV2Request { TaskName = name, Priority = Priority.LOW });
        }
        var id = created.Result.Id;

        var firstPage = await api.ListTasksAsync(q: "release", sort: Sort.Task_name, limit: 2);
        var secondPage = (await api.ListTasksAsync(q: "release", sort: Sort.Task_name, limit: 2, cursor: firstPage.Result.NextCursor)).Result;
        var read = await api.GetTaskAsync(id);
        var etag = read.Headers["ETag"].Single();
        var notModified = Assert.ThrowsAsync<ApiException>(() => api.GetTaskAsync(id, ifNoneMatch: etag));
        var patched = await api.PatchTaskAsync(id, new TaskPatch { Done = true }, ifMatch: etag); // the other fields stay as they are
        var stale = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => api.PatchTaskAsync(id, new TaskPatch { Priority = Priority.LOW }, ifMatch: etag));
        var deleted = await api.DeleteTaskV2Async(id);
        var whileDeleted = (await api.GetTaskAsync(id)).Result;
        var restored = (await api.RestoreTaskAsync(id)).Result;
        using var export = await api.ExportTasksAsync(q: "release");
        var csv = await new StreamReader(export.Stream).ReadToEndAsync();
        var noTokensFromTokens = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => api.ListTokensAsync());

        Assert.Multiple(() =>
        {
            Assert.That(assignees.Users.Select(u => u.Username), Is.EqualTo(new[] { "sdk-user" }));
            Assert.That(pat.Token, Does.StartWith("tmpat_"));
            Assert.That(tokens.Tokens.Select(t => t.Id), Is.EqualTo(new[] { pat.Id }));
            Assert.That(noTokensFromTokens!.StatusCode, Is.EqualTo(403), "a token cannot manage tokens");
            Assert.That(created.Headers["RateLimit"].Single(), Does.StartWith("\"default\";r="), "the rate-limit fields reach the SDK");
            Assert.That(created.StatusCode, Is.EqualTo(201));
            Assert.That(created.Headers["Location"].Single(), Is.EqualTo($"/api/v2/tasks/{id}"));
            Assert.That(created.Result.DueDate?.ToString("yyyy-MM-dd"), Is.EqualTo("2026-12-24"));
            Assert.That(replayed.Result.Id, Is.EqualTo(id), "the same Idempotency-Key creates nothing new");
            Assert.That(replayed.Headers["Idempotent-Replayed"].Single(), Is.EqualTo("true"));
            Assert.That(firstPage.Result.Tasks.Concat(secondPage.Tasks).Select(t => t.TaskName),
                Is.EqualTo(new[] { "Release notes", "Release party", "Ship the release" }));
            Assert.That(firstPage.Headers["Link"].Single(), Does.Contain("rel=\"next\""));
            Assert.That(secondPage.NextCursor, Is.Null);
            Assert.That(etag, Is.EqualTo($"\"{read.Result.Version}\""));
            Assert.That(notModified!.StatusCode, Is.EqualTo(304));
            Assert.That(patched.Result.Done, Is.True);
            Assert.That(patched.Result.CompletedAt, Is.Not.Null);
            Assert.That(patched.Result.Description, Is.EqualTo("From the generated client"));
            Assert.That(patched.Result.AssignedUserId, Is.EqualTo(registered.Id));
            Assert.That(patched.Headers["ETag"].Single(), Is.Not.EqualTo(etag));
            Assert.That(stale!.StatusCode, Is.EqualTo(412));
            Assert.That(stale.Result.Status, Is.EqualTo(412), "problem+json is typed");
            Assert.That(deleted.StatusCode, Is.EqualTo(204));
            Assert.That(whileDeleted.DeletedAt, Is.Not.Null);
            Assert.That(restored.DeletedAt, Is.Null);
            Assert.That(csv.Split('\n')[0].TrimEnd('\r'), Is.EqualTo("id,task_name,description,status,priority,created_at,assigned_user,due_date,done,labels"));
            Assert.That(csv, Does.Contain("Ship the release"));
            // Every snake_case property of the wire found its typed property: nothing fell into the overflow.
            Assert.That(created.Result.AdditionalProperties, Is.Empty);
            Assert.That(login.AdditionalProperties, Is.Empty);
            Assert.That(pat.AdditionalProperties, Is.Empty);
        });
    }

    [Test]
    public async Task A_client_generated_from_the_document_keeps_a_teams_project_to_itself()
    {
        var api = new TaskManagerClient(Client);
        var member = (await api.RegisterAsync(new RegisterRequest { Username = "sdk-member", Email = "member@example.com", Password = "correct-horse-1" })).Result;
        await api.RegisterAsync(new RegisterRequest { Username = "sdk-owner", Email = "owner@example.com", Password = "correct-horse-1" });
        await api.RegisterAsync(new RegisterRequest { Username = "sdk-outsider", Email = "outsider@example.com", Password = "correct-horse-1" });
        async Task<TaskManagerClient> SignedInAsync(string username)
        {
            var token = (await api.LoginAsync(new LoginRequest { Username = username, Password = "correct-horse-1" })).Result.AccessToken;
            var client = App.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return new TaskManagerClient(client);
        }
        var (owner, asMember, outsider) = (await SignedInAsync("sdk-owner"), await SignedInAsync("sdk-member"), await SignedInAsync("sdk-outsider"));

        var project = await owner.CreateProjectAsync(new CreateProjectRequest { Name = "Launch" });
        var added = (await owner.SetProjectMemberAsync(project.Result.Id, member.Id, new SetProjectMemberRequest { Role = ProjectRole.Viewer })).Result;
        var task = (await owner.CreateTaskV2Async(new CreateTaskV2Request { TaskName = "Press kit", Priority = Priority.HIGH, ProjectId = project.Result.Id })).Result;
        var read = (await asMember.GetTaskAsync(task.Id)).Result;
        var listed = (await asMember.ListTasksAsync(projectId: project.Result.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).Result;
        var hidden = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => outsider.GetTaskAsync(task.Id));
        var projectHidden = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => outsider.GetProjectAsync(project.Result.Id));
        var label = (await owner.CreateLabelAsync(project.Result.Id, new CreateLabelRequest { Name = "press", Color = "#00aa00" })).Result;
        var subtask = (await owner.CreateTaskV2Async(new CreateTaskV2Request
        {
            TaskName = "Quotes",
            Priority = Priority.LOW,
            ProjectId = project.Result.Id,
            ParentId = task.Id,
            Labels = ["Press"],
            BlockedBy = [task.Id],
        })).Result;
        var comment = (await owner.CreateCommentAsync(task.Id, new CreateCommentRequest { Body = "Draft is in the shared folder." })).Result;
        var parent = (await asMember.GetTaskAsync(task.Id)).Result;
        var labels = (await asMember.ListLabelsAsync(project.Result.Id)).Result;

        Assert.Multiple(() =>
        {
            Assert.That(project.StatusCode, Is.EqualTo(201));
            Assert.That(project.Result.MyRole, Is.EqualTo("owner"));
            Assert.That(added.Role, Is.EqualTo(ProjectRole.Viewer));
            Assert.That(task.ProjectId, Is.EqualTo(project.Result.Id));
            Assert.That(read.TaskName, Is.EqualTo("Press kit"));
            Assert.That(listed.Tasks.Select(t => t.Id), Is.EqualTo(new[] { task.Id }));
            Assert.That(hidden!.StatusCode, Is.EqualTo(404));
            Assert.That(projectHidden!.StatusCode, Is.EqualTo(404));
            Assert.That(task.AdditionalProperties, Is.Empty);
            Assert.That((subtask.ParentId, subtask.Labels, subtask.Blocked), Is.EqualTo((task.Id, new[] { "press" }, true)));
            Assert.That((parent.SubtaskCount, parent.SubtasksDone, parent.CommentCount), Is.EqualTo((1, 0, 1)));
            Assert.That(labels.Labels.Select(l => (l.Id, l.TaskCount)), Is.EqualTo(new[] { (label.Id, 1) }));
            Assert.That(comment.Body, Is.EqualTo("Draft is in the shared folder."));
        });
    }

    [Test]
    public async Task A_client_generated_from_the_document_imports_a_CSV_and_follows_it()
    {
        var api = new TaskManagerClient(Client);
        await api.RegisterAsync(new RegisterRequest { Username = "sdk-loader", Email = "loader@example.com", Password = "correct-horse-1" });
        var login = (await api.LoginAsync(new LoginRequest { Username = "sdk-loader", Password = "correct-horse-1" })).Result;
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        var csv = "task_name,priority,due_date,done\nFirst,LOW,2026-12-24,TRUE\nSecond,HIGH,,\nBroken,URGENT,,\n";

        using var file = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var accepted = await api.UploadCsvV2Async(file: new FileParameter(file, "tasks.csv", "text/csv"));
        var status = await Eventually.ReadAsync(async () => (await api.GetImportV2Async(accepted.Result.ImportId)).Result,
            s => s.Status is "succeeded" or "partially_succeeded" or "failed", TimeSpan.FromSeconds(30));
        var listed = (await api.ListImportsAsync()).Result;
        using var errorsFile = await api.GetImportErrorsV2Async(accepted.Result.ImportId);
        var errors = await new StreamReader(errorsFile.Stream).ReadToEndAsync();

        Assert.Multiple(() =>
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(202));
            Assert.That(accepted.Headers["Location"].Single(), Is.EqualTo($"/api/v2/imports/{accepted.Result.ImportId}"));
            Assert.That(status.Status, Is.EqualTo("partially_succeeded"));
            Assert.That(status.TasksCreated, Is.EqualTo(2));
            Assert.That(status.RowsFailed, Is.EqualTo(1));
            Assert.That(listed.Imports.Select(i => i.ImportId), Is.EqualTo(new[] { accepted.Result.ImportId }));
            Assert.That(errors, Does.Contain("URGENT"));
        });
    }
}
