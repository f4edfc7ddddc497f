using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace TaskManager.Features.Webhooks.Dispatch;

/// <summary>Makes one attempt: signs the delivery, posts it, reads a little of the answer, and says what happened.</summary>
internal sealed class AttemptSender(IHttpClientFactory clients, WebhookSecrets secrets, TimeProvider clock)
{
    public async Task<Attempt> SendAsync(ClaimedDelivery delivery, WebhookOptions settings, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        // One deadline for the whole attempt: a receiver that answers its headers and then stalls its body fails too.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        var waitingFor = "the answer";
        try
        {
            var id = delivery.Id.ToString();
            var timestamp = clock.GetUtcNow();
            if (secrets.TryUnprotect(delivery.Secret) is not { } current)
            {
                return new(delivery, null, "secret unreadable: rotate it (Webhooks:SecretKey changed?)", Stopwatch.GetElapsedTime(started));
            }
            var keys = new List<byte[]> { current };
            if (delivery.PreviousSecret is not null && delivery.PreviousSecretExpiresAt > timestamp.UtcDateTime &&
                secrets.TryUnprotect(delivery.PreviousSecret) is { } previous)
            {
                keys.Add(previous);
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSecrets.SignatureHeader(id, timestamp, delivery.Body, keys));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TaskManager-Webhooks", "1.0"));

            using var response = await clients.CreateClient(WebhookHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            waitingFor = "the body";
            await WebhookHttp.DrainAsync(response, settings.MaxBodyBytes, deadline.Token);
            var code = (int)response.StatusCode;
            return new(delivery, code, code is >= 200 and <= 299 ? null : $"HTTP {code}", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Short, fixed sentences: a receiver's own words (or body) are never echoed back to whoever reads the deliveries.
            var error = ex switch
            {
                _ when ex is OperationCanceledException || deadline.IsCancellationRequested => $"timed out after {settings.TimeoutSeconds} s waiting for {waitingFor}",
                HttpRequestException { InnerException: WebhookAddressRefusedException refused } => "refused: " + refused.Message,
                WebhookAddressRefusedException refused => "refused: " + refused.Message,
                HttpRequestException http => "connection failed: " + http.HttpRequestError,
                _ => "delivery failed: " + ex.GetType().Name,
            };
            return new(delivery, null, error, Stopwatch.GetElapsedTime(started));
        }
    }
}
