using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Projects;

/// <summary>An upload lands every row in the project it names (by query or form field), if the uploader may create tasks
/// there; the import, its rows and its errors are then as visible as that project.</summary>
public sealed class ProjectImportsTests : ApiTest
{
    private const string Csv = "task_name,description,status,priority,created_at,assigned_user\nOne,,true,LOW,,\nTwo,,true,HIGH,,\nBad,,true,URGENT,,\n";

    [Test]
    public async Task Rows_land_in_the_project_named_by_the_query_or_the_form_and_its_outsiders_find_no_import()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (_, mallory) = await SignUpAsync("mallory");
        var (_, admin) = await SignUpAdminAsync();
        var project = await CreateProjectAsync(alice, "Imports");

        var byQuery = await CsvUploads.UploadAsync(Client, alice, CsvUploads.Form(Csv), $"?project_id={project}");
        var form = CsvUploads.Form(Csv);
        form.Add(new StringContent(project.ToString()), "project_id");
        var byForm = await CsvUploads.UploadAsync(Client, alice, form, path: "/api/v2/imports");
        var ids = new[] { await ImportIdAsync(byQuery), await ImportIdAsync(byForm) };
        foreach (var id in ids)
        {
            await CsvUploads.FinishedAsync(Client, alice, id);
        }
        var listed = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/tasks?project_id={project}", alice));
        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/imports/{ids[1]}", alice));
        var adminLooks = await SendAsync(HttpMethod.Get, $"/api/imports/{ids[0]}/errors", admin);
        var adminLists = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/imports", admin));

        Assert.Multiple(async () =>
        {
            Assert.That(listed["tasks"]!.AsArray().Select(t => t!["task_name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "One", "Two", "One", "Two" }));
            Assert.That(status["project_id"]!.GetValue<long>(), Is.EqualTo(project));
            Assert.That(status["rows_failed"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(adminLooks.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an admin reads every project's imports");
            Assert.That(adminLists["imports"]!.AsArray(), Has.Count.EqualTo(2));
            foreach (var id in ids)
            {
                foreach (var url in new[] { $"/api/imports/{id}", $"/api/v2/imports/{id}", $"/api/imports/{id}/errors", $"/api/v2/imports/{id}/errors" })
                {
                    var response = await SendAsync(HttpMethod.Get, url, mallory);
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound).Or.EqualTo(HttpStatusCode.Forbidden), url);
                    Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("URGENT"), url);
                }
            }
        });
    }

    [Test]
    public async Task An_upload_to_a_project_the_uploader_may_not_create_in_is_refused_before_anything_is_stored()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var project = await CreateProjectAsync(alice, "Watched");
        var hidden = await CreateProjectAsync(alice, "Hidden");
        await AddMemberAsync(alice, project, bobId, "viewer");

        var asViewer = await CsvUploads.UploadAsync(Client, bob, CsvUploads.Form(Csv), $"?project_id={project}");
        var intoHidden = await CsvUploads.UploadAsync(Client, bob, CsvUploads.Form(Csv), $"?project_id={hidden}", path: "/api/v2/imports");
        var notAnId = await CsvUploads.UploadAsync(Client, bob, CsvUploads.Form(Csv), "?project_id=abc");

        Assert.Multiple(async () =>
        {
            Assert.That(asViewer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(intoHidden.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await ReadJsonAsync(intoHidden))["errors"]!["project_id"], Is.Not.Null);
            Assert.That(notAnId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM imports"), Is.Zero);
        });
    }

    private static async Task<string> ImportIdAsync(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["import_id"]!.GetValue<string>();
    }
}
