using System.Net.Http.Headers;
using System.Text;
using TaskManager.Tests.Generated;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.OpenApi;

/// <summary>The C# client NSwag generated from openapi/v1.json (Tests/Generated/TaskManagerClient.cs) drives the API
/// as an SDK user would: if the document lies about a route, a body or a name, these calls fail.</summary>
public sealed class GeneratedClientTests : ApiTest
{
    [Test]
    public async Task A_client_generated_from_the_document_registers_signs_in_and_manages_tasks()
    {
        var api = new TaskManagerClient(Client);

        var registered = await api.RegisterAsync(new RegisterRequest { Username = "sdk-user", Email = "sdk@example.com", Password = "correct-horse-1" });
        var login = await api.LoginAsync(new LoginRequest { Username = "sdk-user", Password = "correct-horse-1" });
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        var me = await api.GetMeAsync();

        var created = await api.CreateTaskAsync(new CreateTaskRequest
        {
            TaskName = "Ship it",
            Description = "From the generated client",
            Priority = Priority.HIGH,
            Status = false,
            AssignedUserId = registered.Id,
        });
        var listed = await api.ListTaskLogAsync(taskId: created.Id);
        var updated = await api.UpdateTaskAsync(created.Id, new UpdateTaskRequest { Status = true, Priority = Priority.LOW });
        var deleted = await api.DeleteTaskAsync(created.Id); // soft: the task stays, inactive
        var afterDelete = await api.ListTaskLogAsync(taskId: created.Id);
        var missing = Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => api.UpdateTaskAsync(created.Id + 1000, new UpdateTaskRequest { Status = false }));

        Assert.Multiple(() =>
        {
            Assert.That(me.Username, Is.EqualTo("sdk-user"));
            Assert.That(login.RefreshToken, Is.Not.Empty);
            Assert.That(created.TaskName, Is.EqualTo("Ship it"));
            Assert.That(created.AssignedUserId, Is.EqualTo(registered.Id));
            Assert.That(listed.Tasks.Select(t => t.TaskId), Is.EqualTo(new[] { created.Id }));
            Assert.That(updated.Status, Is.True);
            Assert.That(updated.Priority, Is.EqualTo(Priority.LOW));
            Assert.That(updated.Description, Is.EqualTo("From the generated client"), "absent fields stay as they were");
            Assert.That(deleted.Message, Is.Not.Empty);
            Assert.That(afterDelete.Tasks.Single().Status, Is.False);
            Assert.That(missing!.StatusCode, Is.EqualTo(404));
            Assert.That(missing.Result.Status, Is.EqualTo(404), "problem+json is typed");
            // Every snake_case property of the wire found its typed property: nothing fell into the overflow.
            Assert.That(created.AdditionalProperties, Is.Empty);
            Assert.That(login.AdditionalProperties, Is.Empty);
            Assert.That(listed.Tasks.Single().AdditionalProperties, Is.Empty);
        });
    }

    [Test]
    public async Task A_client_generated_from_the_document_uploads_a_CSV_and_follows_its_import()
    {
        var api = new TaskManagerClient(Client);
        await api.RegisterAsync(new RegisterRequest { Username = "sdk-loader", Email = "loader@example.com", Password = "correct-horse-1" });
        var login = await api.LoginAsync(new LoginRequest { Username = "sdk-loader", Password = "correct-horse-1" });
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        var csv = "task_name,description,status,priority,created_at,assigned_user\nFirst,,TRUE,LOW,,\nSecond,,FALSE,HIGH,,\nBroken,,TRUE,URGENT,,\n";

        using var file = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var accepted = await api.UploadCsvAsync(file: new FileParameter(file, "tasks.csv", "text/csv"));
        var status = await Eventually.ReadAsync(() => api.GetImportAsync(accepted.ImportId),
            s => s.Status is "succeeded" or "partially_succeeded" or "failed", TimeSpan.FromSeconds(30));
        using var errorsFile = await api.GetImportErrorsAsync(accepted.ImportId);
        var errors = await new StreamReader(errorsFile.Stream).ReadToEndAsync();

        Assert.Multiple(() =>
        {
            Assert.That(accepted.StatusUrl, Is.EqualTo($"/api/imports/{accepted.ImportId}"));
            Assert.That(status.Status, Is.EqualTo("partially_succeeded"));
            Assert.That(status.TasksCreated, Is.EqualTo(2));
            Assert.That(status.RowsFailed, Is.EqualTo(1));
            Assert.That(errors, Does.Contain("URGENT"));
        });
    }
}
