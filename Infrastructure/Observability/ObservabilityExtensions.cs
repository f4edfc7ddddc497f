using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Infrastructure.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The meters the service defines itself; each is created through IMeterFactory where it is used.</summary>
    public static readonly string[] OwnMeters = [Meters.Outbox, Meters.Imports, Meters.Cache, Meters.Webhooks];

    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

        AddLogging(builder, options);

        var ownEndpoint = !string.IsNullOrWhiteSpace(options.OtlpEndpoint) && Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out _);
        var endpoint = ownEndpoint ? options.OtlpEndpoint : builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var role = builder.Configuration.ReadProcessRole().ToString().ToLowerInvariant();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService(options.ServiceName, serviceVersion: typeof(Program).Assembly.GetName().Version?.ToString())
                .AddAttributes([new("taskmanager.role", role)]))
            .WithTracing(tracing => tracing
                // Probes arrive every few seconds from every orchestrator: spans of them are noise.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddNpgsql()
                .AddSource("MassTransit"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter("System.Runtime")
                .AddMeter(OwnMeters));

        // With our own setting the endpoint and protocol come from it; otherwise the exporter reads the standard
        // OTEL_EXPORTER_OTLP_* variables itself (headers, protocol, timeouts), as every OpenTelemetry SDK does.
        if (ownEndpoint)
        {
            var protocol = options.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            telemetry.UseOtlpExporter(protocol, new Uri(options.OtlpEndpoint!));
        }
        else
        {
            telemetry.UseOtlpExporter();
        }
        return builder;
    }

    private static void AddLogging(IHostApplicationBuilder builder, ObservabilityOptions options)
    {
        // Every log line written inside a request or a consumed message carries the ids of its trace, so a log
        // shipper can join the lines to the spans (and the lines of one request to each other).
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (options.LogFormat == "simple")
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }
}

/// <summary>Names of the service's own meters.</summary>
public static class Meters
{
    public const string Outbox = "TaskManager.Outbox";
    public const string Imports = "TaskManager.Imports";
    public const string Cache = "TaskManager.Cache";
    public const string Webhooks = "TaskManager.Webhooks";
}
