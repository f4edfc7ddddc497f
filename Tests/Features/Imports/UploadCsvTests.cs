using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

public sealed class UploadCsvTests : ApiTest
{
    private string uploader = "";
    private long uploaderId;

    [SetUp]
    public async Task SeedUsersAsync()
    {
        foreach (var name in new[] { "john_doe", "jane_smith", "robert_brown" })
        {
            await RegisterAsync(name);
        }
        (uploaderId, uploader) = await SignUpAsync("uploader");
    }

    [Test]
    public async Task The_sample_file_imports_its_valid_rows_and_reports_each_row_error()
    {
        var accepted = await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath), "tasks-sample.csv"));

        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        var body = await ReadJsonAsync(accepted);
        var id = body["import_id"]!.GetValue<string>();
        Assert.That(body["status_url"]!.GetValue<string>(), Is.EqualTo($"/api/imports/{id}"));
        var status = await CsvUploads.FinishedAsync(Client, uploader, id);

        Assert.Multiple(async () =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"));
            Assert.That(status["file_name"]!.GetValue<string>(), Is.EqualTo("tasks-sample.csv"));
            Assert.That(status["rows_total"]!.GetValue<long>(), Is.EqualTo(12));
            Assert.That(status["rows_processed"]!.GetValue<long>(), Is.EqualTo(12));
            Assert.That(status["tasks_created"]!.GetValue<long>(), Is.EqualTo(8));
            Assert.That(status["rows_failed"]!.GetValue<long>(), Is.EqualTo(4));
            Assert.That(status["errors"]!.AsArray().Select(e => $"{e!["row"]}|{e["column"]}|{e["code"]}"), Is.EqualTo(new[]
            {
                "8|priority|invalid_priority",
                "9|created_at|invalid_date",
                "10|assigned_user|unknown_user",
                "11|task_name|required",
            }));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(8));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                "SELECT string_agg(import_row::text, ',' ORDER BY import_row) FROM tasks"), Is.EqualTo("1,2,3,4,5,6,7,12"));
            // Row 4 has no assignee: it goes to the uploader. Row 12 comes back exactly as written.
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT assigned_user_id FROM tasks WHERE import_row = 4"), Is.EqualTo(uploaderId));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT description FROM tasks WHERE import_row = 12"),
                Is.EqualTo("=HYPERLINK(\"http://example.com\")"));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT description FROM tasks WHERE import_row = 6"),
                Is.EqualTo("Users see \"invalid token\" after refresh"));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                "SELECT to_char(created_at AT TIME ZONE 'utc', 'YYYY-MM-DD') || '|' || status || '|' || priority FROM tasks WHERE import_row = 2"),
                Is.EqualTo("2025-04-02|false|CRITICAL"));
            // Every imported task is in today's log and in the audit trail.
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString,
                "SELECT count(*) FROM task_logger WHERE log_date = (now() AT TIME ZONE 'utc')::date"), Is.EqualTo(8));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM task_audit WHERE action = 'imported'"), Is.EqualTo(8));
        });
    }

    [Test]
    public async Task The_errors_come_as_CSV_with_formula_cells_neutralised()
    {
        var csv = "task_name,description,status,priority,created_at,assigned_user\nGood,,TRUE,LOW,,\nBad,,TRUE,=1+2,,\nWorse,,TRUE,@SUM(A1),,\n";
        var id = await UploadAndFinishAsync(CsvUploads.Form(csv));

        var response = await SendAsync(HttpMethod.Get, $"/api/imports/{id}/errors", uploader);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(lines[0].TrimEnd('\r'), Is.EqualTo("row,column,code,message,value,value_length"));
            Assert.That(lines, Has.Length.EqualTo(3));
            Assert.That(lines[1], Does.StartWith("2,priority,invalid_priority,").And.EndWith("'=1+2,4\r").Or.EndWith("'=1+2,4"));
            Assert.That(lines[2], Does.Contain(",'@SUM(A1)"));
        });
    }

    [Test]
    public async Task An_atomic_import_with_a_bad_row_imports_nothing()
    {
        var id = await UploadAndFinishAsync(CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath)), "?atomic=true");
        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{id}", uploader));

        Assert.Multiple(async () =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(status["mode"]!.GetValue<string>(), Is.EqualTo("atomic"));
            Assert.That(status["tasks_created"]!.GetValue<long>(), Is.Zero);
            Assert.That(status["rows_failed"]!.GetValue<long>(), Is.EqualTo(4));
            Assert.That(status["errors"]!.AsArray(), Has.Count.EqualTo(4));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero);
        });
    }

    [Test]
    public async Task An_atomic_import_of_valid_rows_imports_them_all()
    {
        var csv = "TASK_NAME,Priority,Status,extra\nOne,low,yes,x\nTwo,HIGH,no,y\nThree,Medium,,z\n";
        var id = await UploadAndFinishAsync(CsvUploads.Form(csv), "?atomic=true");
        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{id}", uploader));

        Assert.Multiple(async () =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(status["tasks_created"]!.GetValue<long>(), Is.EqualTo(3));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString,
                "SELECT string_agg(task_name || ':' || priority || ':' || status, ',' ORDER BY import_row) FROM tasks"),
                Is.EqualTo("One:LOW:true,Two:HIGH:false,Three:MEDIUM:true"));
        });
    }

    [Test]
    public async Task An_upload_s_query_and_key_are_checked_before_its_file_is_read()
    {
        static HttpContent Form() => CsvUploads.Form("task_name,priority\nOne,LOW\n");
        var both = await CsvUploads.UploadAsync(Client, uploader, Form(), "?atomic=true&dry_run=true");
        var project = await CsvUploads.UploadAsync(Client, uploader, Form(), "?project_id=abc", path: "/api/v2/imports");
        var longKey = await CsvUploads.UploadAsync(Client, uploader, Form(), idempotencyKey: new string('k', 201));

        Assert.Multiple(async () =>
        {
            Assert.That((await AssertProblemAsync(both, HttpStatusCode.BadRequest))["errors"]!["dry_run"]![0]!.GetValue<string>(),
                Is.EqualTo("Choose atomic or dry_run, not both."));
            Assert.That((await AssertProblemAsync(project, HttpStatusCode.BadRequest))["errors"]!["project_id"]![0]!.GetValue<string>(),
                Is.EqualTo("project_id must be a project id."));
            Assert.That((await AssertProblemAsync(longKey, HttpStatusCode.BadRequest))["errors"]!["idempotency-key"]![0]!.GetValue<string>(),
                Is.EqualTo("Idempotency-Key must be 1 to 200 characters long."));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM imports"), Is.Zero);
        });
    }

    [Test]
    public async Task A_dry_run_validates_and_imports_nothing()
    {
        var id = await UploadAndFinishAsync(CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath)), "?dry_run=true");
        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{id}", uploader));

        Assert.Multiple(async () =>
        {
            Assert.That(status["mode"]!.GetValue<string>(), Is.EqualTo("dry_run"));
            Assert.That(status["rows_total"]!.GetValue<long>(), Is.EqualTo(12));
            Assert.That(status["rows_failed"]!.GetValue<long>(), Is.EqualTo(4));
            Assert.That(status["tasks_created"]!.GetValue<long>(), Is.Zero);
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero);
        });
    }

    [Test]
    public async Task A_retried_upload_with_the_same_idempotency_key_returns_the_first_import()
    {
        var first = await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath)), idempotencyKey: "upload-1");
        var second = await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath)), idempotencyKey: "upload-1");
        var id = (await ReadJsonAsync(first))["import_id"]!.GetValue<string>();
        await CsvUploads.FinishedAsync(Client, uploader, id);

        Assert.Multiple(async () =>
        {
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That((await ReadJsonAsync(second))["import_id"]!.GetValue<string>(), Is.EqualTo(id));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM imports"), Is.EqualTo(1));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(8));
        });
    }

    [Test]
    public async Task A_binary_file_is_refused_with_415()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[10] = 0;

        await AssertProblemAsync(await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form(bytes, "photo.jpg")), HttpStatusCode.UnsupportedMediaType);
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM imports"), Is.Zero);
    }

    [Test]
    public async Task A_file_without_a_required_column_is_400_at_once()
    {
        var problem = await AssertProblemAsync(
            await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form("task_name,description\nOne,first\n")), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!["file"]![0]!.GetValue<string>(), Does.Contain("priority"));
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM imports"), Is.Zero);
    }

    [TestCase("", TestName = "An_empty_file_is_400")]
    public async Task An_empty_file_is_refused(string csv) =>
        await AssertProblemAsync(await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form(csv)), HttpStatusCode.BadRequest);

    [Test]
    public async Task A_body_that_is_not_a_multipart_form_is_415()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/upload-csv", uploader, Json("""{"file":"x"}""")), HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task A_form_without_a_file_field_is_400()
    {
        var problem = await AssertProblemAsync(
            await CsvUploads.UploadAsync(Client, uploader, CsvUploads.Form("task_name,priority\nx,LOW\n"u8.ToArray(), field: "document")), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["file"], Is.Not.Null);
    }

    [Test]
    public async Task Another_user_may_not_read_an_import_but_an_admin_may()
    {
        var id = await UploadAndFinishAsync(CsvUploads.Form(await File.ReadAllBytesAsync(CsvUploads.SamplePath)));
        var (otherId, other) = await SignUpAsync("snoop");
        var admin = TestTokens.For(otherId, "snoop", ["user", "admin"]);

        Assert.Multiple(async () =>
        {
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{id}", other), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{id}/errors", other), HttpStatusCode.Forbidden);
            Assert.That((await SendAsync(HttpMethod.Get, $"/api/imports/{id}", admin)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/imports/{Guid.NewGuid()}", other), HttpStatusCode.NotFound);
        });
    }

    private async Task<string> UploadAndFinishAsync(HttpContent form, string query = "")
    {
        var accepted = await CsvUploads.UploadAsync(Client, uploader, form, query);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        var id = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        var status = await CsvUploads.FinishedAsync(Client, uploader, id);
        Assert.That(status["status"]!.GetValue<string>(), Is.Not.EqualTo("queued").And.Not.EqualTo("running"), status.ToJsonString());
        return id;
    }
}
