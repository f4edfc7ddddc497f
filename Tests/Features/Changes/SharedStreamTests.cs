using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskManager.Features.Changes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

/// <summary>Caught-up streams of one instance share one read of the feed; each must still get exactly what its own caller
/// may read, as the list shows it, and a stream that falls behind that read must still miss nothing.</summary>
public sealed class SharedStreamTests : ApiTest
{
    [Test]
    public async Task Streams_of_many_callers_on_one_instance_each_get_what_their_own_feed_lists()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (_, eve) = await SignUpAsync("eve");
        var project = await CreateProjectAsync(alice, "Secret");
        await AddMemberAsync(alice, project, bobId, "viewer");
        var moving = (await CreateTaskAsync(alice, """{"task_name":"moving","priority":"LOW"}"""))["id"]!.GetValue<long>();
        var start = (await new ChangeFeedClient(Client, alice).StartAsync()).Position;
        var readers = new[] { (alice, ""), (alice, ""), (alice, $"project_id={project}"), (bob, ""), (eve, ""), (eve, $"project_id={project}") };
        var streams = new List<(HttpResponseMessage Response, StreamReader Reader)>();
        foreach (var (token, query) in readers)
        {
            streams.Add(await ServerSentEvents.OpenAsync(Client, token, $"?after={start}&{query}"));
        }
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // caught up: they wait on the shared read

        var feeds = readers.Select(r => new ChangeFeedClient(Client, r.Item1, r.Item2) { Position = start }).ToList();
        var types = new HashSet<string>();
        async Task ReadAlikeAsync()
        {
            for (var i = 0; i < readers.Length; i++)
            {
                var listed = await feeds[i].DrainAsync();
                var streamed = new List<JsonNode>();
                while (streamed.Count < listed.Count)
                {
                    streamed.Add(JsonNode.Parse((await ServerSentEvents.NextChangeAsync(streams[i].Reader, TimeSpan.FromSeconds(5))).Data!)!);
                }
                Assert.That(streamed.Select(c => c.ToJsonString()), Is.EqualTo(listed.Select(c => c.ToJsonString())), $"stream {i}: as its list");
                types.UnionWith(listed.Select(c => c["type"]!.GetValue<string>()));
            }
        }

        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"inside","priority":"LOW","project_id":{{project}}}"""));
        await CreateTaskAsync(alice, """{"task_name":"outside","priority":"LOW"}""");
        var moved = await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{moving}", alice, Json($$"""{"project_id":{{project}}}"""));
        Assert.That(moved.IsSuccessStatusCode, Is.True, await moved.Content.ReadAsStringAsync());
        await ReadAlikeAsync();
        // Who may read what changes here; each side's list and stream read after it.
        await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{project}/members/{bobId}", alice);
        await SendAsync(HttpMethod.Post, "/api/v2/tasks", alice, Json($$"""{"task_name":"after","priority":"LOW","project_id":{{project}}}"""));
        await CreateTaskAsync(alice, """{"task_name":"last","priority":"LOW"}""");
        await ReadAlikeAsync();

        foreach (var (response, _) in streams)
        {
            response.Dispose();
        }
        Assert.That(types, Is.SupersetOf(new[] { "task.created", "task.updated", "task.removed", "project.member_removed" }));
    }

    [Test]
    public async Task A_stream_that_falls_behind_the_shared_read_reads_on_its_own_and_misses_nothing()
    {
        var options = App.Services.GetRequiredService<IOptions<ChangesOptions>>().Value;
        var buffer = options.StreamBufferSize;
        options.StreamBufferSize = 2; // any wake that finds more than two changes lets the stream go
        try
        {
            const int Total = 30;
            var (_, alice) = await SignUpAsync("alice");
            var start = (await new ChangeFeedClient(Client, alice).StartAsync()).Position;
            var (response, reader) = await ServerSentEvents.OpenAsync(Client, alice, $"?after={start}");
            using var _ = response;
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await Task.WhenAll(Enumerable.Range(0, Total).Select(i => CreateTaskAsync(alice, $$"""{"task_name":"t{{i}}","priority":"LOW"}""")));

            var feed = new ChangeFeedClient(Client, alice) { Position = start };
            var written = new List<string>();
            while (written.Count < Total) // a change may wait a moment behind another transaction
            {
                written.AddRange((await feed.DrainAsync()).Select(c => c["position"]!.GetValue<string>()));
            }
            var seen = new List<string>();
            while (seen.Count < Total)
            {
                seen.Add((await ServerSentEvents.NextChangeAsync(reader, TimeSpan.FromSeconds(5))).Id!);
            }
            Assert.That(seen, Is.EqualTo(written), "every change once, in order");
        }
        finally
        {
            options.StreamBufferSize = buffer;
        }
    }
}
