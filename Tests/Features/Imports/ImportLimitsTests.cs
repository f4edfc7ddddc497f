using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

/// <summary>The configurable limits of uploads, each on an application of its own.</summary>
public sealed class ImportLimitsTests
{
    [Test]
    public async Task A_file_over_the_size_limit_is_413_and_stores_nothing()
    {
        var database = await TestDatabase.CreateAsync("imports");
        await using var app = new TaskManagerApp(database, new Dictionary<string, string?> { ["Imports:MaxFileBytes"] = "4096", ["Imports:ChunkBytes"] = "4096" });
        var (client, token) = await SignedInClient.SignUpAsync(app, "uploader");
        var big = "task_name,priority\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"Task {i},LOW\n"));

        var response = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(big));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM import_files"), Is.Zero);
    }

    [Test]
    public async Task Uploads_beyond_the_concurrent_limit_are_429_with_Retry_After()
    {
        var database = await TestDatabase.CreateAsync("imports");
        // Role api (which needs a broker): no worker, so accepted imports stay queued and count against the limit.
        var settings = await TestRabbitMq.SettingsAsync();
        settings["Imports:MaxConcurrentPerUser"] = "2";
        settings["Role"] = "api";
        await using var app = new TaskManagerApp(database, settings);
        var (client, token) = await SignedInClient.SignUpAsync(app, "uploader");
        const string Csv = "task_name,priority\nOne,LOW\n";

        var first = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(Csv));
        var second = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(Csv));
        var third = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(Csv));

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(third.Headers.RetryAfter?.Delta, Is.Not.Null);
            Assert.That(JsonNode.Parse(await third.Content.ReadAsStringAsync())!["message"]!.GetValue<string>(), Does.Contain("2 imports"));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM imports"), Is.EqualTo(2));
        });
    }
}
