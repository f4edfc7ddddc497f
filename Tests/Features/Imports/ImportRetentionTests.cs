using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Features.Imports.Retention;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

/// <summary>What an import keeps once it is over: its summary for good, its row errors for Imports:ErrorRetentionDays,
/// its uploaded file not at all.</summary>
public sealed class ImportRetentionTests : ApiTest
{
    // One good row and five with an unknown priority: five row errors.
    private const string Csv = "task_name,priority\nGood,LOW\nBad 1,NOPE\nBad 2,NOPE\nBad 3,NOPE\nBad 4,NOPE\nBad 5,NOPE\n";

    private string token = "";

    [SetUp]
    public async Task SignUpUploaderAsync() => (_, token) = await SignUpAsync("uploader");

    [TestCase("")]
    [TestCase("?atomic=true")]
    [TestCase("?dry_run=true")]
    public async Task The_uploaded_file_is_deleted_once_the_import_has_finished(string query)
    {
        var id = await ImportAsync(query);

        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM import_files WHERE import_id = @id::uuid", ("id", id)),
            Is.Zero);
    }

    [Test]
    public async Task The_sweep_removes_the_row_errors_of_imports_finished_longer_ago_than_the_retention_and_keeps_the_rest()
    {
        var old = await ImportAsync();
        var recent = await ImportAsync();
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE imports SET finished_at = now() - interval '31 days' WHERE id = @id::uuid", ("id", old));
        // A file a finished import kept (as before files were deleted at the end), and one a queued import still needs.
        await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO import_files (import_id, chunk_no, data) VALUES (@id::uuid, 0, '\\x00')", ("id", recent));
        var queued = Guid.NewGuid().ToString();
        await Sql.ExecuteAsync(App.ConnectionString,
            "INSERT INTO imports (id, requested_by, file_name, source, mode) SELECT @id::uuid, id, 'q.csv', 'upload', 'partial' FROM users",
            ("id", queued));
        await Sql.ExecuteAsync(App.ConnectionString, "INSERT INTO import_files (import_id, chunk_no, data) VALUES (@id::uuid, 0, '\\x00')", ("id", queued));
        var retention = App.Services.GetRequiredService<ImportRetention>();

        // Batches of two: five errors take three.
        var sweep = await Eventually.ReadAsync(() => retention.SweepAsync(CancellationToken.None, errorsPerBatch: 2), s => s is not null);

        Assert.Multiple(async () =>
        {
            Assert.That(sweep, Is.EqualTo(new ImportRetentionSweep(FileChunks: 1, Errors: 5)));
            Assert.That(await ErrorsAsync(old), Is.Zero);
            Assert.That(await ErrorsAsync(recent), Is.EqualTo(5));
            Assert.That(await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT string_agg(import_id::text, ',') FROM import_files"), Is.EqualTo(queued));
            var summary = await SendAsync(HttpMethod.Get, $"/api/imports/{old}", token);
            Assert.That(summary.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await ReadJsonAsync(summary))["rows_failed"]!.GetValue<long>(), Is.EqualTo(5), "the import's counts stay");
        });
    }

    private async Task<string> ImportAsync(string query = "")
    {
        var accepted = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form(Csv), query);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        var id = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        var status = await CsvUploads.FinishedAsync(Client, token, id);
        Assert.That(status["rows_failed"]?.GetValue<long>(), Is.EqualTo(5), status.ToJsonString());
        return id;
    }

    private Task<long> ErrorsAsync(string importId) =>
        Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM import_errors WHERE import_id = @id::uuid", ("id", importId));
}
