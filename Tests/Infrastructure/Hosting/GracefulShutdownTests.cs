using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Features.Imports;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Hosting;

/// <summary>SIGTERM, as an orchestrator stops a container, sent to a real service process in the middle of its work:
/// requests in flight complete, imports stop at a committed batch and finish on the next worker, and nothing is lost.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public sealed class GracefulShutdownTests
{
    [Test]
    public async Task An_upload_in_flight_when_the_API_is_told_to_stop_completes_before_the_process_exits()
    {
        var database = await TestDatabase.CreateAsync("drain_api");
        var port = ServiceProcess.FreePort();
        using var api = ServiceProcess.Start(database, new Dictionary<string, string>(await TestRabbitMq.EnvironmentAsync())
        {
            ["Role"] = "api",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["ConnectionStrings__Redis"] = "",
            ["TaskLog__SchedulerEnabled"] = "false",
            ["Shutdown__TimeoutSeconds"] = "30",
        }, [], out var output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.That(await Eventually.ReadAsync(() => AnswersAsync(http), up => up, TimeSpan.FromSeconds(30)), Is.True, Text(output));
            var token = await SignUpAsync(http, "drainer");
            var csv = await ImportResumeTests.GenerateAsync(20_000, "--users", "drainer");
            var firstChunkSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var file = new SlowContent(csv, chunkBytes: 32 * 1024, delay: TimeSpan.FromMilliseconds(40), firstChunkSent);
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

            var upload = CsvUploads.UploadAsync(http, token, new MultipartFormDataContent { { file, "file", "slow.csv" } });
            await firstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            ServiceProcess.Terminate(api);
            var stoppedAt = Stopwatch.StartNew();
            var response = await upload;
            var body = await response.Content.ReadAsStringAsync();
            await api.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token);

            Assert.Multiple(async () =>
            {
                Assert.That(file.Finished, Is.True, "the whole body was sent after the stop signal");
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body + Text(output));
                Assert.That(stoppedAt.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "well within the shutdown timeout");
                Assert.That(api.ExitCode, Is.Zero, Text(output));
                Assert.That(Text(output), Does.Contain("Application is shutting down"));
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT file_bytes FROM imports"), Is.EqualTo(csv.Length), "the file stored whole");
                Assert.That(await Sql.ScalarAsync<string>(database, "SELECT status FROM imports"), Is.EqualTo("queued"));
            });
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
            }
        }
    }

    [Test]
    public async Task A_worker_told_to_stop_mid_import_exits_cleanly_and_the_next_worker_lands_every_valid_row_once()
    {
        const int rows = 60_000, invalid = 600; // --invalid 0.01
        var database = await TestDatabase.CreateAsync("drain_worker");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var api = new TaskManagerApp(database, new Dictionary<string, string?>(rabbit) { ["Role"] = "api" });
        var client = api.CreateClient();
        var token = await SignUpAsync(client, "loader");
        var csv = await ImportResumeTests.GenerateAsync(rows, "--invalid", "0.01", "--users", "loader");

        var workerEnvironment = new Dictionary<string, string>
        {
            ["Role"] = "worker",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["Imports__BatchSize"] = "1000",
            ["TaskLog__SchedulerEnabled"] = "false",
            ["ConnectionStrings__Redis"] = "",
            // A running import gets one second to finish, then stops after its last committed batch.
            ["Shutdown__ConsumerDrainSeconds"] = "1",
            ["Shutdown__TimeoutSeconds"] = "20",
        };
        foreach (var (key, value) in rabbit)
        {
            workerEnvironment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        var first = ServiceProcess.Start(database, workerEnvironment, [], out var firstOutput);
        try
        {
            await Eventually.ReadAsync(() => Task.FromResult(Text(firstOutput).Contains("Bus started", StringComparison.Ordinal)), started => started, TimeSpan.FromSeconds(30));
            var accepted = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(csv, "big.csv"));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
            var importId = Guid.Parse(JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!.GetValue<string>());

            await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, "SELECT rows_processed FROM imports WHERE id = @id", ("id", importId)),
                n => n >= 3_000, TimeSpan.FromSeconds(60));
            ServiceProcess.Terminate(first);
            var stopping = Stopwatch.StartNew();
            await first.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            var stoppedIn = stopping.Elapsed;
            var processedAtStop = await Sql.ScalarAsync<long>(database, "SELECT rows_processed FROM imports WHERE id = @id", ("id", importId));
            var statusAtStop = await Sql.ScalarAsync<string>(database, "SELECT status FROM imports WHERE id = @id", ("id", importId));
            Assert.Multiple(() =>
            {
                Assert.That(first.ExitCode, Is.Zero, Text(firstOutput));
                Assert.That(stoppedIn, Is.LessThan(TimeSpan.FromSeconds(20)), "stopped within the shutdown timeout, not killed at its end");
                Assert.That(statusAtStop, Is.EqualTo("running"), "stopped in the middle, not after the end: " + Text(firstOutput));
                Assert.That(processedAtStop % 1000, Is.Zero, "the checkpoint is a committed batch");
            });

            using var second = ServiceProcess.Start(database, workerEnvironment, [], out var secondOutput);
            try
            {
                var status = await Eventually.ReadAsync(() => Sql.ScalarAsync<string>(database, "SELECT status FROM imports WHERE id = @id", ("id", importId)),
                    s => s is "succeeded" or "partially_succeeded" or "failed", TimeSpan.FromSeconds(120));
                Assert.That(status, Is.EqualTo("partially_succeeded"), Text(secondOutput));
            }
            finally
            {
                second.Kill(entireProcessTree: true);
            }

            Assert.Multiple(async () =>
            {
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM tasks WHERE import_id = @id", ("id", importId)), Is.EqualTo(rows - invalid));
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(DISTINCT import_row) FROM tasks WHERE import_id = @id", ("id", importId)),
                    Is.EqualTo(rows - invalid), "no row twice");
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT tasks_created FROM imports WHERE id = @id", ("id", importId)), Is.EqualTo(rows - invalid));
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT rows_failed FROM imports WHERE id = @id", ("id", importId)), Is.EqualTo(invalid));
                Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_logger"), Is.EqualTo(rows - invalid));
            });
        }
        finally
        {
            if (!first.HasExited)
            {
                first.Kill(entireProcessTree: true);
            }
            first.Dispose();
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/health/live")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<string> SignUpAsync(HttpClient http, string username)
    {
        var registered = await http.PostAsJsonAsync("/api/register", new { username, email = $"{username}@example.com", password = "correct-horse-1" });
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
        var login = await http.PostAsJsonAsync("/api/login", new { username, password = "correct-horse-1" });
        return JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>A request body sent slowly, chunk by chunk, so a test can act while it is in flight.</summary>
    private sealed class SlowContent(byte[] content, int chunkBytes, TimeSpan delay, TaskCompletionSource firstChunkSent) : HttpContent
    {
        public bool Finished { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < content.Length; offset += chunkBytes)
            {
                await stream.WriteAsync(content.AsMemory(offset, Math.Min(chunkBytes, content.Length - offset)));
                await stream.FlushAsync();
                firstChunkSent.TrySetResult();
                await Task.Delay(delay);
            }
            Finished = true;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = content.Length;
            return true;
        }
    }
}
