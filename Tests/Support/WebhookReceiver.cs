using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskManager.Tests.Support;

/// <summary>A real HTTP receiver on 127.0.0.1 (a free port): records every request it gets and answers what the test says.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTime At);

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Received> received = new();

    /// <summary>The status code of each answer, asked per request (default 200).</summary>
    public Func<Received, int> Answer { get; set; } = _ => 200;

    /// <summary>How long each answer takes.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Answer 200 announcing a 100,000-byte body, send 10 bytes of it, and stall until the sender gives up.</summary>
    public bool StallBody { get; set; }

    /// <summary>The most requests it was answering at one time.</summary>
    public int MostAtOnce => mostAtOnce;

    private int atOnce;
    private int mostAtOnce;

    public string BaseUrl { get; }

    public IReadOnlyList<Received> Requests => received.ToArray();

    private WebhookReceiver(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var request = new Received(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                await reader.ReadToEndAsync(), DateTime.UtcNow);
            self!.received.Enqueue(request);
            var now = Interlocked.Increment(ref self.atOnce);
            InterlockedMax(ref self.mostAtOnce, now);
            try
            {
                if (self.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(self.Delay);
                }
                context.Response.StatusCode = self.Answer(request);
                if (self.StallBody)
                {
                    await StallAsync(context);
                }
            }
            finally
            {
                Interlocked.Decrement(ref self.atOnce);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new WebhookReceiver(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return self;
    }

    public int Port => new Uri(BaseUrl).Port;

    private static async Task StallAsync(HttpContext context)
    {
        context.Response.ContentLength = 100_000;
        await context.Response.Body.WriteAsync("0123456789"u8.ToArray(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), gone.Token);
        }
        catch (OperationCanceledException)
        {
            // The sender gave up and closed the connection.
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? within = null) =>
        await Eventually.ReadAsync(() => Task.FromResult(Requests), done, within);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
