// N Server-Sent Event streams on one api instance, spread over the users of a tokens file (a line each: token, then the
// lowest and highest id of the tasks in that user's own project). Modes:
//   measure URL TOKENS STREAMS RATE SECONDS WRITER_TOKEN API_PID: connect, write RATE task updates a second for SECONDS
//     (PUT /api/task/{id}, a new description for a random task of a random user), then report the delay from each change (its occurred_at) to
//     its arrival on every stream that may read it, and the API's memory before and with the streams.
//   hold URL TOKENS STREAMS SECONDS: connect and read for SECONDS (while bench/streams.sh measures the write rate).
// Prints one line: STREAMS <key=value ...>.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

var mode = args[0];
var url = new Uri(args[1]);
var users = File.ReadAllLines(args[2]).Where(l => l.Length > 0).Select(l => l.Split(' ')).Select(p => (Token: p[0], Lo: long.Parse(p[1], CultureInfo.InvariantCulture), Hi: long.Parse(p[2], CultureInfo.InvariantCulture))).ToArray();
var streamCount = int.Parse(args[3], CultureInfo.InvariantCulture);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = url,
    Timeout = Timeout.InfiniteTimeSpan,
};
using var stop = new CancellationTokenSource();
var received = new long[streamCount];
var delays = new List<double>[streamCount];
long rssBefore = mode == "measure" ? Rss(int.Parse(args[7], CultureInfo.InvariantCulture), "VmRSS") : 0;

// Connect 50 at a time: each stream's first read takes a pooled database connection.
var connected = 0;
using (var gate = new SemaphoreSlim(50))
{
    var opening = Enumerable.Range(0, streamCount).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/changes/stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", users[i % users.Length].Token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            delays[i] = [];
            _ = ReadAsync(i, response); // reads until the run ends; it counts and times what arrives
            Interlocked.Increment(ref connected);
        }
        finally
        {
            gate.Release();
        }
    });
    await Task.WhenAll(opening);
}
await Task.Delay(TimeSpan.FromSeconds(2)); // every stream has joined its instance's shared read

var seconds = double.Parse(mode == "measure" ? args[5] : args[4], CultureInfo.InvariantCulture);
if (mode == "hold")
{
    Console.Error.WriteLine($"streams: {connected} connected");
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    stop.Cancel();
    Console.WriteLine($"STREAMS connected={connected} events={received.Sum()}");
    return;
}

var pid = int.Parse(args[7], CultureInfo.InvariantCulture);
var rssStreams = Rss(pid, "VmRSS");
var rate = double.Parse(args[4], CultureInfo.InvariantCulture);
var writerToken = args[6];
var expected = new long[users.Length];
var writes = 0L;
var statuses = new Dictionary<int, int>();
var failed = 0L;
var clock = Stopwatch.StartNew();
var pending = new List<Task>();
var random = new Random(42);
while (clock.Elapsed.TotalSeconds < seconds)
{
    var due = (long)(clock.Elapsed.TotalSeconds * rate);
    for (; writes < due; writes++)
    {
        var u = random.Next(users.Length);
        var id = random.NextInt64(users[u].Lo, users[u].Hi + 1);
        pending.Add(WriteAsync(u, id, string.Create(CultureInfo.InvariantCulture, $"write {writes}"))); // a new value: every write is a change
    }
    await Task.Delay(5);
}
await Task.WhenAll(pending);
var wrote = clock.Elapsed.TotalSeconds;
var expectedTotal = Enumerable.Range(0, streamCount).Sum(i => expected[i % users.Length]);
var settle = Stopwatch.StartNew();
while (received.Sum() < expectedTotal && settle.Elapsed < TimeSpan.FromSeconds(10))
{
    await Task.Delay(100);
}
var all = delays.SelectMany(d => { lock (d) { return d.ToArray(); } }).Order().ToArray();
double At(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
var short_ = Enumerable.Range(0, streamCount).Count(i => received[i] < expected[i % users.Length]);
var hwm = Rss(pid, "VmHWM");
stop.Cancel();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"STREAMS connected={connected} writes={writes} failed={failed} statuses={string.Join(',', statuses.Select(p => $"{p.Key}:{p.Value}"))} write_rate={writes / wrote:F0} expected={expectedTotal} received={received.Sum()} short_streams={short_} " +
    $"p50_ms={At(0.50):F0} p99_ms={At(0.99):F0} max_ms={(all.Length > 0 ? all[^1] : double.NaN):F0} rss_before_mb={rssBefore / 1024.0:F0} " +
    $"rss_streams_mb={rssStreams / 1024.0:F0} kb_per_stream={(rssStreams - rssBefore) / (double)streamCount:F1} hwm_mb={hwm / 1024.0:F0}"));
return;

async Task WriteAsync(int user, long id, string description)
{
    using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/task/{id}")
    {
        Content = new StringContent($$"""{"description":"{{description}}"}""", Encoding.UTF8, "application/json"),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", writerToken);
    using var response = await http.SendAsync(request);
    if (response.IsSuccessStatusCode)
    {
        Interlocked.Increment(ref expected[user]);
    }
    else
    {
        Interlocked.Increment(ref failed);
        lock (statuses)
        {
            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
        }
    }
}

async Task ReadAsync(int i, HttpResponseMessage response)
{
    try
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
        while (await reader.ReadLineAsync(stop.Token) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }
            var arrived = DateTime.UtcNow;
            var at = line.IndexOf("\"occurred_at\":\"", StringComparison.Ordinal) + 15;
            var occurred = DateTime.Parse(line.AsSpan(at, line.IndexOf('"', at) - at), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            Interlocked.Increment(ref received[i]);
            lock (delays[i])
            {
                delays[i].Add((arrived - occurred).TotalMilliseconds);
            }
        }
    }
    catch (OperationCanceledException)
    {
    }
    catch (IOException)
    {
    }
    finally
    {
        response.Dispose();
    }
}

static long Rss(int pid, string field) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
