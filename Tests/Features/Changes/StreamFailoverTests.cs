using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

/// <summary>An api instance and a worker killed (SIGKILL) while a stream follows writes and an import: the client resumes
/// on another instance with Last-Event-ID and ends with every change once, in order.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public sealed class StreamFailoverTests
{
    [Test]
    public async Task A_stream_resumed_on_another_instance_after_a_kill_misses_nothing()
    {
        var database = await TestDatabase.CreateAsync("stream_failover");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var survivor = new TaskManagerApp(database, new Dictionary<string, string?>(rabbit) { ["Role"] = "api" });
        var client = survivor.CreateClient();
        await client.PostAsync("/api/register", Json("""{"username":"alice","email":"alice@example.com","password":"correct-horse-1"}"""));
        var login = await client.PostAsync("/api/login", Json("""{"username":"alice","password":"correct-horse-1"}"""));
        var token = JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        var start = (await new ChangeFeedClient(client, token).StartAsync()).Position;

        var port = ServiceProcess.FreePort();
        var doomedApi = ServiceProcess.Start(database, Environment(rabbit, "api", ("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")), [], out var apiOutput);
        var doomedWorker = ServiceProcess.Start(database, Environment(rabbit, "worker", ("Imports__BatchSize", "50")), [], out var workerOutput);
        Process? nextWorker = null;
        using var writing = new CancellationTokenSource();
        try
        {
            using var remote = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.ReadAsync(() => Contains(workerOutput, "Bus started"), started => started, TimeSpan.FromSeconds(30));
            await Eventually.ReadAsync(async () => await ReadyAsync(remote), ready => ready, TimeSpan.FromSeconds(30));
            var (response, reader) = await ServerSentEvents.OpenAsync(remote, token, $"?after={start}");
            var seen = new List<string>();
            var writer = Task.Run(async () =>
            {
                for (var i = 0; !writing.IsCancellationRequested; i++)
                {
                    var created = await Send(client, token, $$"""{"task_name":"w{{i}}","priority":"LOW"}""");
                    Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                    await Task.Delay(10);
                }
            });
            var csv = new StringBuilder("task_name,priority\n");
            for (var i = 0; i < 6_000; i++)
            {
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"imported {i},LOW\n");
            }
            var accepted = await CsvUploads.UploadAsync(client, token, CsvUploads.Form(csv.ToString()), path: "/api/v2/imports");
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
            var import = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!.GetValue<string>();

            // Follow on the doomed instance until the import is well under way, then kill both processes mid-stream.
            while (await Sql.ScalarAsync<long>(database, "SELECT rows_processed FROM imports WHERE id = @id::uuid", ("id", import)) < 500 || seen.Count < 300)
            {
                seen.Add((await ServerSentEvents.NextChangeAsync(reader, TimeSpan.FromSeconds(10))).Id!);
            }
            doomedApi.Kill(entireProcessTree: true);
            doomedWorker.Kill(entireProcessTree: true);
            await Task.WhenAll(doomedApi.WaitForExitAsync(), doomedWorker.WaitForExitAsync());
            try
            {
                while (await ServerSentEvents.NextAsync(reader, TimeSpan.FromSeconds(5)) is { } next)
                {
                    if (!next.Comment)
                    {
                        seen.Add(next.Id!); // what was on its way before the kill; a complete event only counts
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
            {
            }
            response.Dispose();
            var status = await Sql.ScalarAsync<string>(database, "SELECT status FROM imports WHERE id = @id::uuid", ("id", import));
            Assert.That(status, Is.EqualTo("running"), "killed in the middle of the import");

            nextWorker = ServiceProcess.Start(database, Environment(rabbit, "worker", ("Imports__BatchSize", "50")), [], out var nextOutput);
            var (again, resumed) = await ServerSentEvents.OpenAsync(client, token, "", lastEventId: seen[^1]);
            using var _ = again;
            var finished = await CsvUploads.FinishedAsync(client, token, import, TimeSpan.FromSeconds(90));
            Assert.That(finished["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), nextOutput.ToString());
            await writing.CancelAsync();
            await writer;

            var written = await Sql.ScalarAsync<string[]>(database, "SELECT array_agg(change_position(txid, seq) ORDER BY txid, seq) FROM changes");
            while (seen.Count < written.Length)
            {
                seen.Add((await ServerSentEvents.NextChangeAsync(resumed, TimeSpan.FromSeconds(10))).Id!);
            }
            Assert.Multiple(() =>
            {
                Assert.That(written, Has.Length.GreaterThan(6_000), "the import's rows and the writer's tasks");
                Assert.That(seen, Is.EqualTo(written), "every change once, in order, across the kill: " + apiOutput);
            });
        }
        finally
        {
            await writing.CancelAsync();
            foreach (var process in new[] { doomedApi, doomedWorker, nextWorker })
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                }
                process?.Dispose();
            }
        }
    }

    private static Dictionary<string, string> Environment(Dictionary<string, string?> rabbit, string role, params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["Role"] = role,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["TaskLog__SchedulerEnabled"] = "false",
            ["ConnectionStrings__Redis"] = "",
        };
        foreach (var (key, value) in rabbit)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }
        return environment;
    }

    private static async Task<bool> ReadyAsync(HttpClient client)
    {
        try
        {
            return (await client.GetAsync("/health/ready")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static Task<bool> Contains(StringBuilder output, string text)
    {
        lock (output)
        {
            return Task.FromResult(output.ToString().Contains(text, StringComparison.Ordinal));
        }
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, string token, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/tasks") { Content = Json(json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
