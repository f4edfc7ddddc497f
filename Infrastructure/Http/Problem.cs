using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace TaskManager.Infrastructure.Http;

/// <summary>Every expected failure as one result: RFC 9457 problem+json written through the problem-details
/// service (so it carries `message`). Its status is known only at run time, so each endpoint declares the ones
/// it answers with ProducesProblem, and OpenAPI lists them.</summary>
public sealed class Problem : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
{
    private readonly int? retryAfterSeconds;

    private Problem(ProblemDetails value, int? retryAfterSeconds)
    {
        Value = value;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ProblemDetails Value { get; }

    public int StatusCode => Value.Status!.Value;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    object? IValueHttpResult.Value => Value;

    /// <summary>A failure with this status; Retry-After for a limit that frees up by itself (an import finishing).</summary>
    public static Problem Of(int status, string detail, int? retryAfterSeconds = null) =>
        new(new ProblemDetails { Status = status, Title = ReasonPhrases.GetReasonPhrase(status), Detail = detail }, retryAfterSeconds);

    /// <summary>400 with `errors` per field, as the framework's validation problem (declare with ProducesValidationProblem).</summary>
    public static Problem Invalid(IDictionary<string, string[]> errors) =>
        new(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Validation failed",
            Detail = string.Join(" ", errors.SelectMany(e => e.Value)),
        }, null);

    public static Problem Invalid(string field, string error) => Invalid(new Dictionary<string, string[]> { [field] = [error] });

    /// <summary>The one mapping from a handler's failed Outcome to its HTTP answer.</summary>
    public static Problem From<T>(Outcome<T> outcome) => outcome.Status switch
    {
        OutcomeStatus.Invalid => Invalid(outcome.Field!, outcome.Error),
        OutcomeStatus.NotFound => Of(StatusCodes.Status404NotFound, outcome.Error),
        OutcomeStatus.Forbidden => Of(StatusCodes.Status403Forbidden, outcome.Error),
        OutcomeStatus.Conflict => Of(StatusCodes.Status409Conflict, outcome.Error),
        OutcomeStatus.Unauthorized => Of(StatusCodes.Status401Unauthorized, outcome.Error),
        OutcomeStatus.PreconditionFailed => Of(StatusCodes.Status412PreconditionFailed, outcome.Error),
        OutcomeStatus.PayloadTooLarge => Of(StatusCodes.Status413PayloadTooLarge, outcome.Error),
        OutcomeStatus.UnsupportedMediaType => Of(StatusCodes.Status415UnsupportedMediaType, outcome.Error),
        // The one limit a handler reports is an import still running, which takes seconds to minutes.
        OutcomeStatus.TooManyRequests => Of(StatusCodes.Status429TooManyRequests, outcome.Error, 30),
        OutcomeStatus.Gone => Of(StatusCodes.Status410Gone, outcome.Error),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Status, "Only a failed outcome is a problem."),
    };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        if (retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        var service = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Value });
    }
}

public static class OutcomeResults
{
    /// <summary>The value through <paramref name="ok"/>, or the failure as its problem.</summary>
    public static Results<TOk, Problem> ToResult<T, TOk>(this Outcome<T> outcome, Func<T, TOk> ok) where TOk : IResult =>
        outcome.IsOk ? ok(outcome.Value!) : Problem.From(outcome);
}
