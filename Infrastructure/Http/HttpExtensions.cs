using System.Text.Json;
using System.Text.Json.Serialization;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace TaskManager.Infrastructure.Http;

public static class HttpExtensions
{
    public static IHostApplicationBuilder AddHttpEdge(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o =>
            // Hand malformed bodies and parameters to the exception handler, which answers them with a
            // problem+json that says what was wrong, instead of a bare 400.
            o.ThrowOnBadRequest = true);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Detail ??= DefaultDetail(problem.Status) ?? problem.Title;
            // Clients written for the original API read `message`; it always carries the same text as `detail`.
            problem.Extensions["message"] = problem.Detail;
            problem.Extensions.Remove("traceId");
            problem.Extensions["trace_id"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOptions<DownloadOptions>().BindConfiguration(DownloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CsvDownloads>();
        services.AddSingleton<Cursors>();
        services.AddSingleton<IdempotencyKeys>();
        return builder;
    }

    // Bodiless errors from the framework (authentication, authorization, routing) get a sentence, not just a title.
    private static string? DefaultDetail(int? status) => status switch
    {
        401 => "Authentication is required: send a valid access token as 'Authorization: Bearer <token>'.",
        403 => "You are signed in but not allowed to do this.",
        404 => "Nothing exists at this address.",
        405 => "This address does not accept that HTTP method.",
        413 => "The request body is larger than this route accepts.",
        415 => "The request body must be JSON, sent with 'Content-Type: application/json'.",
        429 => "Too many requests. Wait for the time given in Retry-After, then try again.",
        _ => null,
    };

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        // Strict: "5" is not 5. This also keeps OpenAPI from typing integers as ["integer","string"].
        json.NumberHandling = JsonNumberHandling.Strict;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
    }

    /// <summary>Exception handler, then problem+json for every bodiless error status (401, 403, 404, 405, ...).</summary>
    public static WebApplication UseHttpEdge(this WebApplication app)
    {
        // An event-stream client (the change stream) still gets its errors as problem+json, which only an Accept that
        // admits JSON lets the problem writer produce.
        app.Use((context, next) =>
        {
            var accept = context.Request.Headers.Accept.ToString();
            if (accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                context.Request.Headers.Accept = accept + ", application/problem+json";
            }
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
