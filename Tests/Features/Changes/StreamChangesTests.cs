using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskManager.Features.Changes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

public sealed class StreamChangesTests : ApiTest
{
    private Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(string token, string query = "", string? lastEventId = null) =>
        ServerSentEvents.OpenAsync(Client, token, query, lastEventId);

    private static Task<SseEvent?> NextAsync(StreamReader reader, TimeSpan within) => ServerSentEvents.NextAsync(reader, within);

    private static Task<SseEvent> NextChangeAsync(StreamReader reader, TimeSpan within) => ServerSentEvents.NextChangeAsync(reader, within);

    [Test]
    public async Task A_change_reaches_an_open_stream_within_a_second()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (response, reader) = await OpenAsync(alice);
        using var _ = response;
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));

        await CreateTaskAsync(alice, """{"task_name":"live","priority":"LOW"}""");
        var change = await NextChangeAsync(reader, TimeSpan.FromSeconds(1));

        var data = JsonNode.Parse(change.Data!)!;
        Assert.Multiple(() =>
        {
            Assert.That(change.Type, Is.EqualTo("task.created"));
            Assert.That(data["position"]!.GetValue<string>(), Is.EqualTo(change.Id));
            Assert.That(data["data"]!["task_name"]!.GetValue<string>(), Is.EqualTo("live"));
        });
    }

    [Test]
    public async Task Last_Event_ID_resumes_after_the_last_change_received_without_a_gap()
    {
        var (_, alice) = await SignUpAsync("alice");
        var start = await new ChangeFeedClient(Client, alice).StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await CreateTaskAsync(alice, $$"""{"task_name":"t{{i}}","priority":"LOW"}""");
        }
        string firstId;
        var (response, reader) = await OpenAsync(alice, $"?after={start.Position}");
        using (response)
        {
            firstId = (await NextChangeAsync(reader, TimeSpan.FromSeconds(5))).Id!;
        }

        var (again, resumed) = await OpenAsync(alice, $"?after={start.Position}", lastEventId: firstId);
        using var __ = again;
        var names = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            names.Add(JsonNode.Parse((await NextChangeAsync(resumed, TimeSpan.FromSeconds(5))).Data!)!["data"]!["task_name"]!.GetValue<string>());
        }

        Assert.That(names, Is.EqualTo(new[] { "t1", "t2" }));
    }

    [Test]
    public async Task A_client_that_stops_reading_is_cut_off_and_resumes_without_a_gap()
    {
        var options = App.Services.GetRequiredService<IOptions<ChangesOptions>>().Value;
        var slow = options.SlowClientSeconds;
        options.SlowClientSeconds = 0.5;
        try
        {
            const int Total = 150;
            var (_, alice) = await SignUpAsync("alice");
            var start = await new ChangeFeedClient(Client, alice).StartAsync();
            var padding = new string('x', 4_000); // a batch then outgrows what the connection buffers for a client that reads nothing
            for (var i = 0; i < Total; i++)
            {
                await CreateTaskAsync(alice, $$"""{"task_name":"t{{i}}","priority":"LOW","description":"{{padding}}"}""");
            }
            var written = (await new ChangeFeedClient(Client, alice) { Position = start.Position }.DrainAsync())
                .Select(c => c["position"]!.GetValue<string>()).ToList();

            var seen = new List<string>();
            var (response, reader) = await OpenAsync(alice, $"?after={start.Position}");
            using (response)
            {
                seen.Add((await NextChangeAsync(reader, TimeSpan.FromSeconds(5))).Id!);
                await Task.Delay(TimeSpan.FromSeconds(3)); // reads nothing, far longer than the stream waits
                try
                {
                    // What was on its way before the cut is still read; a complete event only counts.
                    while (await NextAsync(reader, TimeSpan.FromSeconds(5)) is { } next)
                    {
                        if (!next.Comment)
                        {
                            seen.Add(next.Id!);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
                {
                }
            }
            var cutAt = seen.Count;

            var (again, resumed) = await OpenAsync(alice, $"?after={start.Position}", lastEventId: seen[^1]);
            using var __ = again;
            while (seen.Count < Total)
            {
                seen.Add((await NextChangeAsync(resumed, TimeSpan.FromSeconds(5))).Id!);
            }

            Assert.Multiple(() =>
            {
                Assert.That(written, Has.Count.EqualTo(Total));
                Assert.That(cutAt, Is.LessThan(Total), "the stream was cut off before it sent everything");
                Assert.That(seen, Is.EqualTo(written), "every change once, in order, across the cut");
            });
        }
        finally
        {
            options.SlowClientSeconds = slow;
        }
    }

    [Test]
    public async Task A_quiet_stream_sends_a_comment_line_and_ends_when_the_token_expires()
    {
        var options = App.Services.GetRequiredService<IOptions<ChangesOptions>>().Value;
        var heartbeat = options.HeartbeatSeconds;
        options.HeartbeatSeconds = 0.2;
        try
        {
            var (id, _) = await SignUpAsync("alice");
            var expires = DateTime.UtcNow.AddSeconds(3);
            var token = TestTokens.For(id, "alice", ["user"], expires: expires);
            var (response, reader) = await OpenAsync(token);
            using var _ = response;

            var first = await NextAsync(reader, TimeSpan.FromSeconds(2));
            Assert.That(first?.Comment, Is.True, "a comment line while nothing changes");
            // Heartbeats keep coming until the stream ends; a stream that never ended would stop this loop at its bound.
            SseEvent? last = first;
            var bound = DateTime.UtcNow.AddSeconds(15);
            while (last is not null && DateTime.UtcNow < bound)
            {
                last = await NextAsync(reader, TimeSpan.FromSeconds(10));
            }
            var ended = DateTime.UtcNow;

            Assert.Multiple(() =>
            {
                Assert.That(last, Is.Null, "the stream ended");
                Assert.That(ended, Is.GreaterThan(expires.AddSeconds(-1)), "not before the token expired");
            });
        }
        finally
        {
            options.HeartbeatSeconds = heartbeat;
        }
    }

    [Test]
    public async Task A_stream_opened_with_a_personal_access_token_ends_when_the_token_expires()
    {
        var (_, alice) = await SignUpAsync("alice");
        var created = await SendAsync(HttpMethod.Post, "/api/v2/tokens", alice, Json("""{"name":"sync","scopes":["tasks:read"]}"""));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var pat = (await ReadJsonAsync(created))["token"]!.GetValue<string>();
        // Tokens live whole days; this one is brought to its last seconds before its first use.
        await Sql.ExecuteAsync(App.ConnectionString, "UPDATE access_tokens SET expires_at = now() + interval '3 seconds'");
        var expires = DateTime.UtcNow.AddSeconds(3);
        var (response, reader) = await OpenAsync(pat);
        using var _ = response;

        SseEvent? last = new SseEvent(null, null, null, true);
        var bound = DateTime.UtcNow.AddSeconds(15);
        while (last is not null && DateTime.UtcNow < bound)
        {
            last = await NextAsync(reader, TimeSpan.FromSeconds(10));
        }
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(last, Is.Null, "the stream ended");
            Assert.That(DateTime.UtcNow, Is.GreaterThan(expires.AddSeconds(-1)), "not before the token expired");
        });
    }

    [Test]
    public async Task Errors_are_problem_json_whatever_Accept_says()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (response, _) = await OpenAsync(alice, "?after=nonsense");
        var (bad, _) = await OpenAsync(alice, "?after=nonsense", lastEventId: "nonsense");
        var (projects, _) = await OpenAsync(alice, "?project_id=x", lastEventId: new string('0', 32));

        Assert.That((await AssertProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["after"], Is.Not.Null);
        Assert.That((await AssertProblemAsync(bad, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>(),
            Is.EqualTo("Last-Event-ID must be the id of an event this stream sent."), "the header is the start, not after");
        Assert.That((await AssertProblemAsync(projects, HttpStatusCode.BadRequest))["errors"]!["project_id"], Is.Not.Null,
            "a bad project_id is named as such when the header is sent");
    }
}
