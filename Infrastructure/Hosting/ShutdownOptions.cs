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

    /// <summary>How long a running message consumer may go on after the stop signal before its cancellation token
    /// fires. An import then stops after its last committed batch, and the next worker resumes it from there
    /// (ImportRecovery); shorter than TimeoutSeconds, so the cancelled work can still unwind.</summary>
    [Range(0, 3600)]
    public int ConsumerDrainSeconds { get; set; } = 15;
}

public sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.ConsumerDrainSeconds < options.TimeoutSeconds
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Shutdown:ConsumerDrainSeconds must be less than Shutdown:TimeoutSeconds.");
}

public static class ShutdownExtensions
{
    public static IHostApplicationBuilder AddGracefulShutdown(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>();
        // Kestrel stops accepting connections at once and lets running requests finish within this timeout;
        // MassTransit's StopTimeout (the same value) bounds the wait for running consumers.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.TimeoutSeconds));
        return builder;
    }
}
