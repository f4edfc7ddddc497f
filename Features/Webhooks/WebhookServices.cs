using TaskManager.Features.Webhooks.Dispatch;
using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.Webhooks;

public static class WebhookServices
{
    /// <summary>Options, the SSRF guard and secrets everywhere; the HTTP client and the dispatcher on workers.</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WebhookAddresses>();
        builder.Services.AddSingleton<WebhookSecrets>();
        if (builder.Configuration.ReadProcessRole().RunsWorker())
        {
            builder.Services.AddWebhookHttpClient();
            builder.Services.AddHostedService<WebhookDispatcher>();
        }
        return builder;
    }
}
