using System.Diagnostics;
using System.Net;
using System.Text;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Reliability;

/// <summary>A client that sends its body slowly holds only its own request.</summary>
public sealed class SlowClientTests : ApiTest
{
    [Test]
    public async Task A_slow_upload_does_not_hold_up_other_requests()
    {
        var (_, token) = await SignUpAsync("slowpoke");
        var form = new MultipartFormDataContent { { new TrickleContent(chunks: 30, every: TimeSpan.FromMilliseconds(100)), "file", "slow.csv" } };
        var upload = CsvUploads.UploadAsync(Client, token, form);

        var others = new List<(HttpStatusCode Status, TimeSpan Took)>();
        while (!upload.IsCompleted && others.Count < 40)
        {
            var clock = Stopwatch.StartNew();
            var response = await SendAsync(HttpMethod.Get, "/api/tasks", token);
            others.Add((response.StatusCode, clock.Elapsed));
            await Task.Delay(50);
        }
        var uploaded = await upload;

        Assert.Multiple(() =>
        {
            Assert.That(others, Has.Count.GreaterThanOrEqualTo(10), "other requests were served while the upload trickled in");
            Assert.That(others.Select(o => o.Status), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(others.Max(o => o.Took), Is.LessThan(TimeSpan.FromSeconds(1)));
            Assert.That(uploaded.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        });
    }

    /// <summary>A CSV body written a line at a time, with a pause before each.</summary>
    private sealed class TrickleContent(int chunks, TimeSpan every) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("task_name,priority\n"));
            for (var i = 0; i < chunks; i++)
            {
                await Task.Delay(every);
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"Slow task {i},LOW\n"));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
