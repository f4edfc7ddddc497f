using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

/// <summary>Worker processes killed (SIGKILL) in the middle of an import, once or three times at different points,
/// then started again: every valid row lands exactly once.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public sealed class ImportResumeTests
{
    private const int Rows = 100_000;
    private const int Invalid = 1_000; // --invalid 0.01

    [TestCase(new long[] { 5_000 }, TestName = "A_worker_killed_mid_import_resumes_and_lands_every_valid_row_once")]
    [TestCase(new long[] { 3_000, 30_000, 65_000 }, TestName = "A_worker_killed_three_times_at_different_points_still_lands_every_valid_row_once")]
    public async Task Killed_workers_resume_and_land_every_valid_row_once(long[] killAfterRows)
    {
        var database = await TestDatabase.CreateAsync("resume");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var api = new TaskManagerApp(database, new Dictionary<string, string?>(rabbit) { ["Role"] = "api" });
        var client = api.CreateClient();
        await client.PostAsync("/api/register", Json("""{"username":"loader","email":"loader@example.com","password":"correct-horse-1"}"""));
        var login = await client.PostAsync("/api/login", Json("""{"username":"loader","password":"correct-horse-1"}"""));
        var token = JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        var csv = await GenerateAsync(Rows, "--invalid", "0.01", "--users", "loader");
        var environment = WorkerEnvironment(rabbit);
        Guid? importId = null;

        foreach (var threshold in killAfterRows)
        {
            using var worker = ServiceProcess.Start(database, environment, [], out var output);
            try
            {
                // Its queues must exist before anything is published to them.
                await Eventually.ReadAsync(() => Task.FromResult(Contains(output, "Bus started")), started => started, TimeSpan.FromSeconds(30));
                if (importId is null)
                {
                    var accepted = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(csv, "big.csv"));
                    Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
                    importId = Guid.Parse(JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!.GetValue<string>());
                }
                var processed = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database,
                    "SELECT rows_processed FROM imports WHERE id = @id", ("id", importId)), n => n >= threshold, TimeSpan.FromSeconds(60));
                worker.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no cleanup
                await worker.WaitForExitAsync();
                var status = await Sql.ScalarAsync<string>(database, "SELECT status FROM imports WHERE id = @id", ("id", importId));
                Assert.That(status, Is.EqualTo("running"), $"killed in the middle (after {processed} rows), not after the end: {output}");
            }
            finally
            {
                if (!worker.HasExited)
                {
                    worker.Kill(entireProcessTree: true);
                }
            }
        }

        using (var last = ServiceProcess.Start(database, environment, [], out var lastOutput))
        {
            try
            {
                var status = await Eventually.ReadAsync(() => Sql.ScalarAsync<string>(database, "SELECT status FROM imports WHERE id = @id", ("id", importId!)),
                    s => s is "succeeded" or "partially_succeeded" or "failed", TimeSpan.FromSeconds(120));
                Assert.That(status, Is.EqualTo("partially_succeeded"), lastOutput.ToString());
            }
            finally
            {
                last.Kill(entireProcessTree: true);
            }
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM tasks WHERE import_id = @id", ("id", importId!)), Is.EqualTo(Rows - Invalid));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(DISTINCT import_row) FROM tasks WHERE import_id = @id", ("id", importId!)),
                Is.EqualTo(Rows - Invalid), "no row twice");
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(DISTINCT row_number) FROM import_errors WHERE import_id = @id", ("id", importId!)),
                Is.EqualTo(Invalid));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT tasks_created FROM imports WHERE id = @id", ("id", importId!)), Is.EqualTo(Rows - Invalid));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT rows_failed FROM imports WHERE id = @id", ("id", importId!)), Is.EqualTo(Invalid));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_audit WHERE action = 'imported'"), Is.EqualTo(Rows - Invalid));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_logger"), Is.EqualTo(Rows - Invalid));
        });
    }

    private static Dictionary<string, string> WorkerEnvironment(Dictionary<string, string?> rabbit)
    {
        var environment = new Dictionary<string, string>
        {
            ["Role"] = "worker",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["Imports__BatchSize"] = "1000",
            ["TaskLog__SchedulerEnabled"] = "false",
            ["ConnectionStrings__Redis"] = "",
        };
        foreach (var (key, value) in rabbit)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        return environment;
    }

    private static bool Contains(StringBuilder output, string text)
    {
        lock (output)
        {
            return output.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A CSV file from the project's generator (scripts/generate-csv.py).</summary>
    public static async Task<byte[]> GenerateAsync(int rows, params string[] options)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(TestRabbitMq.RepositoryRoot(), "scripts", "generate-csv.py"));
        start.ArgumentList.Add(rows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }
        using var process = Process.Start(start)!;
        using var buffer = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(buffer);
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero);
        return buffer.ToArray();
    }
}
