using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>One user reading exports and error reports as slowly as a client can must not hurt anyone else. A slow
/// reader needs a real Kestrel and a real socket: the in-memory test server buffers whole responses.</summary>
public sealed class HostileDownloadTests : ApiTest
{
    [Test]
    public async Task Exports_read_slowly_hold_no_database_connection_another_user_needs()
    {
        // A small pool, so one connection held per stalled export would starve everyone at once.
        await using var app = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?>
        {
            ["Database:MaxPoolSize"] = "3",
            ["Database:ConnectTimeoutSeconds"] = "2",
            ["Downloads:MaxConcurrentPerUser"] = "6",
            ["Downloads:BatchRows"] = "50",
        }).OnKestrel();
        using var client = app.CreateClient();
        var (attackerId, attacker) = await SignUpAsync("mallory");
        var (_, victim) = await SignUpAsync("victim");
        await InsertLongTasksAsync(attackerId, 1_000);
        var victimsTask = (await CreateTaskAsync(victim, """{"task_name":"Mine","priority":"LOW"}"""))["id"]!.GetValue<long>();

        var stalled = new List<TcpClient>();
        for (var i = 0; i < 6; i++)
        {
            stalled.Add(await StartStalledDownloadAsync(client.BaseAddress!, "/api/v2/tasks/export", attacker));
        }
        await Task.Delay(1_000);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v2/tasks/{victimsTask}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", victim);
            statuses.Add((await client.SendAsync(request)).StatusCode);
        }
        stalled.ForEach(s => s.Dispose());

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK), "the other user is served while the exports stall");
    }

    [Test]
    public async Task A_user_with_two_downloads_in_progress_gets_429_with_retry_after_for_a_third()
    {
        await using var app = new TaskManagerApp(App.ConnectionString).OnKestrel();
        using var client = app.CreateClient();
        var (attackerId, attacker) = await SignUpAsync("mallory");
        var (_, other) = await SignUpAsync("other");
        await InsertLongTasksAsync(attackerId, 1_000);
        using var first = await StartStalledDownloadAsync(client.BaseAddress!, "/api/v2/tasks/export", attacker);
        using var second = await StartStalledDownloadAsync(client.BaseAddress!, "/api/v2/tasks/export", attacker);
        await Task.Delay(500);

        using var third = new HttpRequestMessage(HttpMethod.Get, "/api/v2/tasks/export");
        third.Headers.Authorization = new AuthenticationHeaderValue("Bearer", attacker);
        var refused = await client.SendAsync(third);
        using var others = new HttpRequestMessage(HttpMethod.Get, "/api/v2/tasks/export?priority=LOW");
        others.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other);
        var served = await client.SendAsync(others);

        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
            Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another user's export is not limited by mallory's");
        });
    }

    [Test]
    public async Task A_download_still_running_at_its_time_limit_is_cut_off()
    {
        await using var app = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?>
        {
            ["Downloads:TimeLimitSeconds"] = "1",
        }).OnKestrel();
        using var client = app.CreateClient();
        var (attackerId, attacker) = await SignUpAsync("mallory");
        await InsertLongTasksAsync(attackerId, 1_000);
        using var stalled = await StartStalledDownloadAsync(client.BaseAddress!, "/api/v2/tasks/export", attacker);
        await Task.Delay(2_500);

        // Read what was sent before the cut: the body ends without chunked encoding's last chunk.
        var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await stalled.GetStream().CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
            // A reset once the server closed the connection: the cut itself.
        }
        var text = Encoding.UTF8.GetString(received.ToArray());

        Assert.Multiple(() =>
        {
            Assert.That(timeout.IsCancellationRequested, Is.False, "the server closed the connection");
            Assert.That(text, Does.StartWith(" OK\r\n"), "the rest of the status line (its start was read when the download began)");
            Assert.That(text, Does.Not.EndWith("\r\n0\r\n\r\n"), "the export did not run to its end");
        });
    }

    /// <summary>Tasks of 9,000 characters each: an export of a thousand is far more than socket buffers hold.</summary>
    private Task<long> InsertLongTasksAsync(long ownerId, int count) => Sql.ExecuteAsync(App.ConnectionString, """
        INSERT INTO tasks (task_name, description, priority, status, created_by, assigned_user_id)
        SELECT 'long ' || g, repeat('x', 9000), 'MEDIUM', true, @owner, @owner FROM generate_series(1, @count) g
        """, ("owner", ownerId), ("count", count));

    /// <summary>Sends a GET, waits for the status line (the download has begun: it holds its slot), and then reads
    /// nothing more: the response fills the socket's buffers and the server's writes wait.</summary>
    private static async Task<TcpClient> StartStalledDownloadAsync(Uri server, string path, string token)
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(server.Host, server.Port);
        var request = $"GET {path} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nAuthorization: Bearer {token}\r\n\r\n";
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var statusLine = new byte["HTTP/1.1 200".Length];
        using var begun = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.ReadExactlyAsync(statusLine, begun.Token);
        Assert.That(Encoding.ASCII.GetString(statusLine), Is.EqualTo("HTTP/1.1 200"), "the stalled download began");
        return tcp;
    }
}
