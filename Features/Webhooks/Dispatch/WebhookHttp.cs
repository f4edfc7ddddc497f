using System.Net;
using System.Net.Sockets;

namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>Thrown by the connect callback when a receiver's host resolves to an address the SSRF guard refuses.</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);

/// <summary>The named HttpClient deliveries go through: no redirects, no proxy, no cookies, no timeout of its own (the
/// dispatcher gives each attempt one deadline, body included; retries live in the database), and a connect callback that
/// resolves the host itself, checks every address and connects only to what it checked, so DNS rebinding cannot reach an
/// internal address.</summary>
public static class WebhookHttp
{
    public const string ClientName = "webhooks";

    public static IServiceCollection AddWebhookHttpClient(this IServiceCollection services)
    {
        // No per-request logs: at hundreds of deliveries a second they would cost more than the deliveries, and the
        // dispatcher records every attempt anyway.
        services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var guard = provider.GetRequiredService<WebhookAddresses>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    AutomaticDecompression = DecompressionMethods.None,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, ct) => ConnectAsync(guard, context.DnsEndPoint, ct),
                };
            });
        return services;
    }

    private static async ValueTask<Stream> ConnectAsync(WebhookAddresses guard, DnsEndPoint endpoint, CancellationToken ct)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0 || !addresses.All(guard.Allowed))
        {
            throw new WebhookAddressRefusedException("the host resolves to an internal address");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads at most the configured bytes of the answer, so a connection can be reused and a huge body costs nothing.</summary>
    public static async Task DrainAsync(HttpResponseMessage response, int maxBytes, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[Math.Min(Math.Max(maxBytes, 1), 8192)];
        var total = 0;
        int read;
        while (total < maxBytes && (read = await body.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, maxBytes - total)), ct)) > 0)
        {
            total += read;
        }
    }
}
