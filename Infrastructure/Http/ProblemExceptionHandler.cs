using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace TaskManager.Infrastructure.Http;

/// <summary>The one place exceptions become HTTP answers. Client mistakes (bad JSON, bad parameters) get a
/// 4xx naming the problem; a unique violation that slipped past a handler's checks is a 409; anything
/// else is logged in full and answered with a 500 that carries no stack trace, SQL or type name.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = Classify(exception);
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
        }
        else
        {
            logger.LogInformation("Rejected {Method} {Path} with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    private static (int Status, string Title, string Detail) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { InnerException: JsonException json } =>
            (400, "Malformed JSON", DescribeJsonError(json)),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
            (415, "Unsupported media type", "The request body must be JSON (Content-Type: application/json)."),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (413, "Payload too large", "The request body is larger than this route accepts."),
        BadHttpRequestException bad =>
            (bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, "Bad request", DescribeBadRequest(bad)),
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } =>
            (409, "Conflict", "The request conflicts with data that already exists."),
        // The edge refuses NUL in every field it knows; this catches text that reached the database another way.
        PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } =>
            (400, "Bad request", "The request contains a character that cannot be stored (such as NUL)."),
        PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } =>
            (409, "Conflict", "The request refers to something that no longer exists."),
        // Two writers that lock the same rows in opposite orders (two atomic batches): one is rolled back whole and may retry.
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure } =>
            (409, "Conflict", "The request collided with a concurrent change and was rolled back; send it again."),
        NpgsqlException { IsTransient: true } or TimeoutException =>
            (503, "Service unavailable", "The database is not available right now. Try again shortly."),
        OperationCanceledException =>
            (499, "Client closed request", "The request was cancelled."),
        _ => (500, "Internal server error", "An unexpected error occurred. It has been logged."),
    };

    private static string DescribeJsonError(JsonException json)
    {
        var field = json.Path is null or "$" ? null : json.Path.TrimStart('$', '.');
        var position = json.LineNumber is null ? "" : $" (line {json.LineNumber + 1}, position {json.BytePositionInLine})";
        // System.Text.Json words type mismatches this way; its message names .NET types, so it is not passed on.
        var wrongType = json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
        return wrongType && field is not null
            ? $"The field '{field}' has a value of the wrong type{position}."
            : $"The request body is not valid JSON{position}.";
    }

    // The framework's binding errors name the parameter with its .NET type ("Nullable<int> Page"); clients
    // get the field they sent instead.
    private static string DescribeBadRequest(BadHttpRequestException bad) =>
        bad.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase) ||
        (bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && bad.Message.Contains("not provided", StringComparison.OrdinalIgnoreCase))
            ? "A JSON request body is required."
            : BindingErrors.Describe(bad.Message);
}
