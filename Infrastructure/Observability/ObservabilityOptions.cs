using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Observability;

/// <summary>Logs, traces and metrics. Traces and metrics leave the process only over OTLP, and only when an
/// endpoint is configured: without a collector there is nothing to pay for.</summary>
public sealed class ObservabilityOptions : IValidatableObject
{
    public const string Section = "Observability";

    /// <summary>The OTLP collector, e.g. http://otel-collector:4317. Unset: the standard OTEL_EXPORTER_OTLP_ENDPOINT
    /// (with the other OTEL_EXPORTER_OTLP_* variables) is used; neither set: nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>grpc (port 4317) or http/protobuf (port 4318); used with OtlpEndpoint.</summary>
    [RegularExpression(@"\A(grpc|http/protobuf)\z", ErrorMessage = "Observability:OtlpProtocol must be grpc or http/protobuf.")]
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>service.name of every span and metric.</summary>
    [Required]
    public string ServiceName { get; set; } = "taskmanager";

    /// <summary>json: one JSON object a line with the trace and span ids (for log shippers); simple: human-readable
    /// lines, for development.</summary>
    [RegularExpression(@"\A(json|simple)\z", ErrorMessage = "Observability:LogFormat must be json or simple.")]
    public string LogFormat { get; set; } = "json";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Empty means unset (.env.example lists it empty); anything else must be an absolute http(s) address.
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint) &&
            !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"Observability:OtlpEndpoint '{OtlpEndpoint}' is not an http(s) address.", [nameof(OtlpEndpoint)]);
        }
    }
}
