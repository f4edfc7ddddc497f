using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Observability;

/// <summary>What an operator sees: the service's own metrics, OTLP export when a collector is configured, and JSON
/// log lines that carry the trace id of the request they belong to.</summary>
public sealed class ObservabilityTests : ApiTest
{
    [Test]
    public async Task Reading_the_task_log_counts_a_cache_miss_then_a_hit()
    {
        var (_, token) = await SignUpAsync("reader");
        using var lookups = new Measurements(App.Services, "TaskManager.Cache", "cache.lookups");

        await SendAsync(HttpMethod.Get, "/api/tasks", token);
        await SendAsync(HttpMethod.Get, "/api/tasks", token);

        Assert.Multiple(() =>
        {
            Assert.That(lookups.Sum("result", "miss"), Is.EqualTo(1));
            Assert.That(lookups.Sum("result", "hit"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task An_import_counts_its_rows_by_status()
    {
        var (_, token) = await SignUpAsync("counter");
        using var rows = new Measurements(App.Services, "TaskManager.Imports", "imports.rows");
        var csv = "task_name,description,status,priority,created_at,assigned_user\nOne,,TRUE,LOW,,\nTwo,,FALSE,HIGH,,\nBad,,TRUE,URGENT,,\n";

        var accepted = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form(csv));
        var status = await CsvUploads.FinishedAsync(Client, token, (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>());

        Assert.Multiple(() =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"));
            Assert.That(rows.Sum("status", "imported"), Is.EqualTo(2));
            Assert.That(rows.Sum("status", "failed"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task With_an_OTLP_endpoint_traces_and_metrics_reach_the_collector()
    {
        using var collector = new FakeCollector();
        var app = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?>
        {
            ["Observability:OtlpEndpoint"] = collector.Address,
            ["Observability:OtlpProtocol"] = "http/protobuf",
        });
        await using (app)
        {
            using var client = app.CreateClient();
            var response = await client.PostAsync("/api/login", Json("""{"username":"nobody","password":"wrong-password-1"}"""));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        } // stopping flushes what is buffered

        Assert.That(await Eventually.ReadAsync(() => Task.FromResult(collector.Paths()), p => p.Contains("/v1/traces") && p.Contains("/v1/metrics"),
            TimeSpan.FromSeconds(10)), Is.SupersetOf(new[] { "/v1/traces", "/v1/metrics" }));
    }

    [Test]
    public async Task Json_log_lines_carry_the_trace_id_of_their_request()
    {
        var port = ServiceProcess.FreePort();
        using var service = ServiceProcess.Start(App.ConnectionString, new Dictionary<string, string>(await TestRabbitMq.EnvironmentAsync())
        {
            ["Role"] = "api",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["ConnectionStrings__Redis"] = "",
            ["TaskLog__SchedulerEnabled"] = "false",
            ["Observability__LogFormat"] = "json",
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }, [], out var output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            var answered = await Eventually.ReadAsync(async () =>
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
                    request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
                    return (await http.SendAsync(request)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, ok => ok, TimeSpan.FromSeconds(30));
            Assert.That(answered, Is.True, Text(output));

            var line = await Eventually.ReadAsync(() => Task.FromResult(Text(output).Split('\n')
                .FirstOrDefault(l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal))),
                l => l is not null, TimeSpan.FromSeconds(10));
            Assert.That(line, Is.Not.Null, Text(output));
            var entry = JsonNode.Parse(line!)!;
            var scopes = entry["Scopes"]!.AsArray();
            Assert.Multiple(() =>
            {
                Assert.That(entry["Category"]!.GetValue<string>(), Is.EqualTo("Microsoft.AspNetCore.Hosting.Diagnostics"));
                Assert.That(scopes.Select(s => s?["TraceId"]?.GetValue<string>()), Has.Member(traceId));
                Assert.That(scopes.Select(s => s?["SpanId"]?.GetValue<string>()).Where(s => s is not null), Is.Not.Empty);
            });
        }
        finally
        {
            service.Kill(entireProcessTree: true);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>Measurements of one instrument of one application (its IMeterFactory), summed by a tag value.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<(long Value, KeyValuePair<string, object?>[] Tags)> recorded = [];

        public Measurements(IServiceProvider services, string meter, string instrument)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == meter && i.Name == instrument && ReferenceEquals(i.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                lock (recorded)
                {
                    recorded.Add((value, tags.ToArray()));
                }
            });
            listener.Start();
        }

        public long Sum(string tag, string value)
        {
            lock (recorded)
            {
                return recorded.Where(r => r.Tags.Any(t => t.Key == tag && Equals(t.Value, value))).Sum(r => r.Value);
            }
        }

        public void Dispose() => listener.Dispose();
    }

    /// <summary>An OTLP/HTTP receiver that accepts everything and remembers which paths were posted to.</summary>
    private sealed class FakeCollector : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly List<string> paths = [];

        public FakeCollector()
        {
            var port = ServiceProcess.FreePort();
            Address = $"http://127.0.0.1:{port}";
            listener.Prefixes.Add(Address + "/");
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    try
                    {
                        var context = await listener.GetContextAsync();
                        lock (paths)
                        {
                            paths.Add(context.Request.Url!.AbsolutePath);
                        }
                        context.Response.StatusCode = 200;
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                }
            });
        }

        public string Address { get; }

        public List<string> Paths()
        {
            lock (paths)
            {
                return [.. paths];
            }
        }

        public void Dispose() => listener.Close();
    }
}
