using TaskManager.Features.Webhooks.CreateWebhook;
using TaskManager.Features.Webhooks.DeleteWebhook;
using TaskManager.Features.Webhooks.GetWebhook;
using TaskManager.Features.Webhooks.ListDeliveries;
using TaskManager.Features.Webhooks.ListWebhooks;
using TaskManager.Features.Webhooks.PatchWebhook;
using TaskManager.Features.Webhooks.RetryDelivery;
using TaskManager.Features.Webhooks.RotateWebhookSecret;
using TaskManager.Features.Webhooks.TestWebhook;

namespace TaskManager.Features.Webhooks;

public static class WebhooksEndpoints
{
    public static void MapWebhooks(this IEndpointRouteBuilder app)
    {
        // Subscriptions belong to the team: managers and admins see and manage all of them.
        var webhooks = app.MapGroup("/api/v2/webhooks").WithTags("Webhooks (v2)").RequireAuthorization(Policies.Manager)
            .RequireScope(TokenScopes.Webhooks);
        webhooks.MapCreateWebhook();
        webhooks.MapListWebhooks();
        webhooks.MapGetWebhook();
        webhooks.MapPatchWebhook();
        webhooks.MapDeleteWebhook();
        webhooks.MapRotateWebhookSecret();
        webhooks.MapTestWebhook();
        webhooks.MapListDeliveries();
        webhooks.MapRetryDelivery();
    }
}
