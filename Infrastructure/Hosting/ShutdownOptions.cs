using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Hosting;

/// <summary>How a stopping process (SIGTERM from an orchestrator, Ctrl+C) drains its work.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>How long in-flight requests and consumed messages may run on after the stop signal before they are
    /// cancelled. An orchestrator's grace period (compose's stop_grace_period, Kubernetes'
    /// terminationGracePeriodSeconds) must be longer, or it kills the process first.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 30;
}

public static class ShutdownExtensions
{
    public static IHostApplicationBuilder AddGracefulShutdown(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel stops accepting connections at once and lets running requests finish within this timeout;
        // MassTransit's StopTimeout (the same value) bounds the wait for running consumers.
        builder.Services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.TimeoutSeconds));
        return builder;
    }
}
