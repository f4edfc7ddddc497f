using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace TaskManager.Infrastructure.Http;

/// <summary>Request-body limits, from the <c>Http</c> section.</summary>
public sealed class RequestBodyOptions
{
    public const string Section = "Http";

    /// <summary>The largest body a route accepts unless it declares its own limit (the JSON routes take none
    /// larger than a 10,000-character description, so 64 KB leaves room and refuses floods early).</summary>
    [Range(1_024, 1_073_741_824)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

/// <summary>Browser origins allowed to call the API, from <c>Cors:AllowedOrigins</c>. None by default: the
/// API's clients are apps, scripts and SDKs, which CORS does not concern.</summary>
public sealed class CorsPolicyOptions : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>Exact origins (scheme://host[:port]); one entry may also list several separated by commas.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public string[] Origins() =>
        AllowedOrigins.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in Origins())
        {
            // A wildcard would let any web page drive the API with a token it got hold of.
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") ||
                uri.PathAndQuery != "/" || origin.EndsWith('/'))
            {
                yield return new ValidationResult($"Cors:AllowedOrigins: '{origin}' is not an origin like https://app.example.com (no wildcard, path or trailing slash).");
            }
        }
    }
}

/// <summary>The body limit a route declares for itself (an upload); <c>null</c> means no limit.</summary>
public sealed record RequestBodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;

public static class SecurityExtensions
{
    public static IHostApplicationBuilder AddHttpSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RequestBodyOptions>().BindConfiguration(RequestBodyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CorsPolicyOptions>().BindConfiguration(CorsPolicyOptions.Section)
            // The binder fills an array only from indexed keys (Cors__AllowedOrigins__0); a single comma-separated
            // value is easier to set in an environment, so it counts too.
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                if (configuration[$"{CorsPolicyOptions.Section}:{nameof(CorsPolicyOptions.AllowedOrigins)}"] is { Length: > 0 } list)
                {
                    o.AllowedOrigins = [.. o.AllowedOrigins, list];
                }
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CorsPolicyOptions>>((cors, allowed) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins(allowed.Value.Origins())
                .AllowAnyMethod()
                .WithHeaders("Authorization", "Content-Type", "If-Match", "Idempotency-Key")
                .WithExposedHeaders("ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        return builder;
    }

    /// <summary>Declares this route's own body limit (for example an upload's), instead of Http:MaxRequestBodyBytes.</summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long? maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(maxBytes));

    /// <summary>HSTS and HTTPS redirection (production only), security headers, CORS and body limits; before authentication.</summary>
    public static WebApplication UseHttpSecurity(this WebApplication app)
    {
        if (app.Environment.IsProduction())
        {
            // Browsers ignore HSTS over plain HTTP, and the middleware skips localhost, so this is inert until TLS.
            app.UseHsts();
            // Only where this process knows its HTTPS port. Behind a proxy that terminates TLS, the proxy redirects;
            // redirecting here as well would loop unless forwarded headers tell the scheme (docs/security.md).
            var urls = app.Configuration["urls"] ?? "";
            if (!string.IsNullOrEmpty(app.Configuration["https_port"] ?? app.Configuration["https_ports"]) ||
                urls.Contains("https://", StringComparison.OrdinalIgnoreCase))
            {
                app.UseHttpsRedirection();
            }
        }
        app.Use(AddSecurityHeaders);
        if (app.Services.GetRequiredService<IOptions<CorsPolicyOptions>>().Value.Origins().Length > 0)
        {
            app.UseCors();
        }
        app.Use(LimitRequestBodyAsync);
        return app;
    }

    // At send time, so an answer the exception handler rewrote (it clears the headers) carries them too.
    private static Task AddSecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            // The API answers JSON, which needs no sources at all; the interactive docs page loads its own
            // scripts and styles, so it only forbids framing.
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/docs")
                ? "frame-ancestors 'none'"
                : "default-src 'none'; frame-ancestors 'none'";
            return Task.CompletedTask;
        }, context);
        return next();
    }

    // Kestrel enforces the limit while the body streams (chunked bodies too) through the request's
    // IHttpMaxRequestBodySizeFeature; a declared Content-Length over the limit is refused before any of it is read.
    internal static async Task LimitRequestBodyAsync(HttpContext context, Func<Task> next)
    {
        var declared = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>();
        var limit = declared is null
            ? context.RequestServices.GetRequiredService<IOptions<RequestBodyOptions>>().Value.MaxRequestBodyBytes
            : declared.MaxRequestBodySize;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        if (limit is { } max && context.Request.ContentLength > max)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Payload too large",
                    Detail = $"The request body is larger than this route accepts ({max:N0} bytes).",
                },
            });
            return;
        }
        await next();
    }
}
