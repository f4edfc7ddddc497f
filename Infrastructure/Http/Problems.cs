using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace TaskManager.Infrastructure.Http;

/// <summary>Expected failures as typed results. Each writes RFC 9457 problem+json through the
/// problem-details service (so it carries `message`) and declares its status and schema to OpenAPI,
/// which TypedResults.Problem cannot since its status is only known at run time.</summary>
public static class Problems
{
    public static ValidationProblem Validation(IDictionary<string, string[]> errors)
    {
        var summary = string.Join(" ", errors.SelectMany(e => e.Value));
        return TypedResults.ValidationProblem(errors, detail: summary, title: "Validation failed");
    }

    public static ValidationProblem Validation(string field, string error) =>
        Validation(new Dictionary<string, string[]> { [field] = [error] });
}

public abstract class ProblemResult(int status, string title, string detail) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
{
    public int StatusCode => status;
    int? IStatusCodeHttpResult.StatusCode => status;
    public ProblemDetails Value { get; } = new() { Status = status, Title = title, Detail = detail };
    object? IValueHttpResult.Value => Value;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        AddHeaders(httpContext);
        var service = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Value });
    }

    protected virtual void AddHeaders(HttpContext httpContext)
    {
    }

    protected static void Describe(EndpointBuilder builder, int status) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
}

public sealed class ConflictProblem(string detail) : ProblemResult(StatusCodes.Status409Conflict, "Conflict", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status409Conflict);
}

public sealed class NotFoundProblem(string detail) : ProblemResult(StatusCodes.Status404NotFound, "Not found", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status404NotFound);
}

public sealed class ForbiddenProblem(string detail) : ProblemResult(StatusCodes.Status403Forbidden, "Forbidden", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status403Forbidden);
}

public sealed class UnauthorizedProblem(string detail) : ProblemResult(StatusCodes.Status401Unauthorized, "Unauthorized", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status401Unauthorized);
}

public sealed class PreconditionFailedProblem(string detail) : ProblemResult(StatusCodes.Status412PreconditionFailed, "Precondition failed", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status412PreconditionFailed);
}

public sealed class PayloadTooLargeProblem(string detail) : ProblemResult(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status413PayloadTooLarge);
}

public sealed class UnsupportedMediaTypeProblem(string detail) : ProblemResult(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status415UnsupportedMediaType);
}

/// <summary>429 with Retry-After, for a limit that frees up by itself (an import finishing, say).</summary>
public sealed class TooManyRequestsProblem(string detail, int retryAfterSeconds) : ProblemResult(StatusCodes.Status429TooManyRequests, "Too many requests", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status429TooManyRequests);

    protected override void AddHeaders(HttpContext httpContext) =>
        httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class UnprocessableProblem(string detail) : ProblemResult(StatusCodes.Status422UnprocessableEntity, "Unprocessable content", detail), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status422UnprocessableEntity);
}
