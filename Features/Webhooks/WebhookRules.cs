namespace TaskManager.Features.Webhooks;

public static class WebhookRules
{
    public const string Columns = "id, project_id, url, events, description, active, created_at, updated_at";

    /// <summary>The subscription exists for the caller: it names no project, or one the caller may read (the statement
    /// takes @CallerId and @CallerIsAdmin, see <see cref="Caller"/>).</summary>
    public const string Visible = $"""
        (webhook_subscriptions.project_id IS NULL
         OR EXISTS (SELECT 1 FROM projects p WHERE p.id = webhook_subscriptions.project_id AND {ProjectAccess.Readable}))
        """;

    /// <summary>The delivery whose project is in <paramref name="column"/> exists for the caller: it has no project, its
    /// project is gone (a deletion's events went only to those who could read it), or the caller may read it.</summary>
    public static string DeliveryVisible(string column) =>
        $"NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = {column} AND NOT {ProjectAccess.Readable})";

    /// <summary>The project @ProjectId may be named by the caller's subscription: it exists and the caller may read it.</summary>
    public const string ProjectNameable = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId AND {ProjectAccess.Readable})";

    public const string UnknownProject = "project_id names no project you can read.";

    public static IRuleBuilderOptions<T, string[]?> ValidEvents<T>(this IRuleBuilder<T, string[]?> rule) => rule
        .Must(events => events is { Length: > 0 and <= 32 } && events.All(e => WebhookEvents.Subscribable.Contains(e)))
        .WithMessage("events must be a non-empty list of: " + string.Join(", ", WebhookEvents.Subscribable) + ".");

    /// <summary>A subscription's own note, not a task's description: at most 1,000 UTF-16 units.</summary>
    public static IRuleBuilderOptions<T, string?> ValidSubscriptionDescription<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(d => d is null || d.Length <= 1000).WithMessage("description must be at most 1,000 characters long.");

    public static IRuleBuilderOptions<T, string?> ValidUrlShape<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(u => u is { Length: > 0 and <= 2048 }).WithMessage("url must be an absolute URL of at most 2048 characters.");

    public static string[] Normalize(string[] events) => events.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
