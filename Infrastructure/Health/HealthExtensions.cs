using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskManager.Infrastructure.Health;

public static class HealthExtensions
{
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateOnStart();
        return builder;
    }

    /// <summary>/health/live: the process answers. /health/ready: it and every dependency tagged "ready".
    /// Not rate limited: load balancers and orchestrators probe them often, from one address.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        var showDetails = app.Services.GetRequiredService<IOptions<HealthOptions>>().Value.ShowDetails;
        Func<HttpContext, HealthReport, Task> writer = showDetails ? WriteDetailsAsync : WriteStatusAsync;
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = writer })
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = writer })
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        return app;
    }

    private static Task WriteStatusAsync(HttpContext context, HealthReport report) =>
        WriteAsync(context, new { status = report.Status.ToString() });

    private static Task WriteDetailsAsync(HttpContext context, HealthReport report) =>
        WriteAsync(context, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 1) }),
        });

    private static Task WriteAsync<T>(HttpContext context, T body)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
