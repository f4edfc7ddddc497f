using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
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
            if (self.Delay > TimeSpan.Zero)
            {
                await Task.Delay(self.Delay);
            }
            context.Response.StatusCode = self.Answer(request);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new WebhookReceiver(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return self;
    }

    public int Port => new Uri(BaseUrl).Port;

    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? within = null) =>
        await Eventually.ReadAsync(() => Task.FromResult(Requests), done, within);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
