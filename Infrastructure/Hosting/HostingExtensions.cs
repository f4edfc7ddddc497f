using TaskManager.Features;
using TaskManager.Infrastructure.Caching;
using TaskManager.Infrastructure.Database;
using TaskManager.Infrastructure.Health;
using TaskManager.Infrastructure.Observability;
using TaskManager.Infrastructure.RateLimiting;

namespace TaskManager.Infrastructure.Hosting;

public static class HostingExtensions
{
    public static WebApplicationBuilder AddTaskManager(this WebApplicationBuilder builder)
    {
        var role = builder.Configuration.ReadProcessRole();
        UseDefaultUrl(builder, role);
        builder.AddObservability();
        builder.AddGracefulShutdown();

        builder.AddHealth();
        builder.AddDatabase();
        builder.AddCaching();
        builder.AddAuth();
        builder.AddHttpEdge();
        builder.AddHttpSecurity();
        builder.AddRequestLimits();
        builder.AddApiDocs();
        builder.AddFeatures();
        return builder;
    }

    public static WebApplication UseTaskManager(this WebApplication app)
    {
        app.UseHttpEdge();
        app.UseHttpSecurity();
        app.UseAuthentication();
        app.UseRequestLimits();
        app.UseAuthorization();
        app.MapHealth();
        if (app.Configuration.ReadProcessRole().ServesApi())
        {
            app.MapApiDocs();
            app.MapFeatures();
        }
        return app;
    }

    /// <summary>Runs until stopped; a configuration error ends the process with its reason instead of a stack trace.</summary>
    public static async Task<int> ServeAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TaskManager");
        try
        {
            logger.LogInformation("Starting in role {Role}", app.Configuration.ReadProcessRole());
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            logger.LogCritical("Configuration is invalid: {Reasons}", string.Join(" ", ex.Failures));
            return 1;
        }
        catch (InvalidOperationException ex) when (ex.Source is "TaskManager")
        {
            logger.LogCritical("Start-up failed: {Reason}", ex.Message);
            return 1;
        }
    }

    // The API listens on 8080 and a lone worker on 8081 (health only), unless ASPNETCORE_URLS or
    // ASPNETCORE_HTTP_PORTS say otherwise.
    private static void UseDefaultUrl(WebApplicationBuilder builder, ProcessRole role)
    {
        var configured = builder.Configuration["urls"] ?? builder.Configuration["http_ports"] ?? builder.Configuration["https_ports"];
        if (string.IsNullOrEmpty(configured))
        {
            builder.WebHost.UseUrls(role == ProcessRole.Worker ? "http://localhost:8081" : "http://localhost:8080");
        }
    }
}
