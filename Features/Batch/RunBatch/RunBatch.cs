using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using TaskManager.Infrastructure.Database;
using TaskManager.Infrastructure.RateLimiting;

namespace TaskManager.Features.Batch.RunBatch;

/// <summary>Up to 100 task, comment and label writes, run in order. With `atomic`, all in one transaction: all or none.</summary>
[RequestBody("operations", Example = """{"atomic":true,"operations":[{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"Plan the launch","priority":"HIGH"}},{"method":"PATCH","path":"/api/v2/tasks/42","if_match":"\"3\"","body":{"done":true}},{"method":"DELETE","path":"/api/v2/comments/7"}]}""")]
public sealed record BatchRequest([property: Description("Run every operation in one transaction: if one fails, none is applied.")] bool? Atomic,
    BatchOperation[]? Operations);

/// <summary>One write, as its single call would be sent: `if_match` is that call's If-Match header.</summary>
[RequestBody("method", "path")]
public sealed record BatchOperation(string? Method, string? Path, JsonElement? Body, string? IfMatch);

/// <summary>What the single call would have answered: its status, ETag and Location headers, and body (null when it has none).
/// In a failed atomic batch, every other operation is `{status: 424}`.</summary>
public sealed record BatchResult(int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BatchResultHeaders? Headers = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Body = null)
{
    public static readonly BatchResult NotRun = new(StatusCodes.Status424FailedDependency);
}

public sealed record BatchResultHeaders([property: JsonPropertyName("etag")] string? ETag, string? Location);

public sealed record BatchResponse(IReadOnlyList<BatchResult> Results);

public sealed class BatchRequestValidator : AbstractValidator<BatchRequest>
{
    public BatchRequestValidator()
    {
        RuleFor(r => r.Operations).NotNull().WithMessage("operations is required.");
        RuleFor(r => r.Operations!.Length).InclusiveBetween(1, BatchRoutes.MaxOperations).OverridePropertyName("operations")
            .WithMessage($"operations must hold 1 to {BatchRoutes.MaxOperations} operations.").When(r => r.Operations is not null);
        RuleForEach(r => r.Operations).ChildRules(operation =>
        {
            operation.RuleFor(o => o.Method).Must(m => BatchRoutes.Methods.Contains(m?.ToUpperInvariant()))
                .WithMessage("method must be one of POST, PATCH, DELETE.");
            operation.RuleFor(o => o.Path)
                .Must(p => p?.StartsWith("/api/v2/batch", StringComparison.Ordinal) != true).WithMessage("A batch cannot contain a batch.")
                .Must((o, p) => BatchRoutes.IsAllowed(o.Method?.ToUpperInvariant(), p))
                .WithMessage(o => $"'{o.Method} {o.Path}' is not a write a batch runs; it runs {BatchRoutes.Listed}.")
                .When(o => BatchRoutes.Methods.Contains(o.Method?.ToUpperInvariant()));
            operation.RuleFor(o => o.Body).Must(b => b is not { } body || body.ValueKind is JsonValueKind.Object or JsonValueKind.Null)
                .WithMessage("body must be a JSON object when given.");
            operation.RuleFor(o => o.IfMatch).MaximumLength(200).WithMessage("if_match must be at most 200 characters.");
        }).When(r => r.Operations is { Length: <= BatchRoutes.MaxOperations });
    }
}

public static class RunBatchEndpoint
{
    // A hundred operations may each carry a body up to the usual limit's size; the batch's own is therefore larger.
    private const long MaxBodyBytes = 4 * 1024 * 1024;

    // Each task write moves today's daily-log counts (a row per status and priority in the transaction's slot, V30),
    // which an atomic batch then holds until it commits: taken up front in one order, two batches that share a slot
    // wait for each other instead of deadlocking, and batches in other slots do not wait at all.
    private const string LockTodaysCountsSql = """
        SELECT 1 FROM task_log_counts WHERE log_date = (now() AT TIME ZONE 'utc')::date AND slot = task_log_slot()
        ORDER BY status, priority FOR UPDATE
        """;

    public static RouteHandlerBuilder MapRunBatch(this IEndpointRouteBuilder app) => app
        .MapPost("/batch", HandleAsync)
        .WithName("RunBatch")
        .WithSummary("Run several writes")
        .WithDescription($"Runs 1 to {BatchRoutes.MaxOperations} task, comment and label writes in order, each answered exactly as its single " +
                         "call would be (status, etag and location headers, body, problem+json included). With atomic: true they run in one " +
                         "transaction: if one fails, none is applied and the answer is 409 problem+json whose results hold the failed " +
                         "operation's problem and {status: 424} for the others. Each operation counts against the rate limit as one call. " +
                         "An Idempotency-Key makes a retry answer the first response again. The writes: " + BatchRoutes.Listed + ".")
        .WithRequestBodyLimit(MaxBodyBytes)
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.IdempotentReplayed)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Ok<BatchResponse>, ContentHttpResult, Problem>> HandleAsync(BatchRequest request,
        [AsParameters] IdempotencyKeyHeader idempotency, BatchDispatcher dispatcher, DbSession session, BatchReplays replays, HttpContext http,
        CancellationToken ct)
    {
        // The middleware counted the batch as one call; each further operation is one more.
        if (await RequestPermits.AcquireMoreAsync(http, request.Operations!.Length - 1, ct) is { } limited)
        {
            return limited;
        }
        return await replays.RunOnceAsync(http, idempotency.Key, request, async () =>
        {
            var operations = request.Operations!;
            var results = new List<BatchResult>(operations.Length);
            if (request.Atomic != true)
            {
                foreach (var operation in operations)
                {
                    results.Add(await dispatcher.RunAsync(http, operation, ct)); // each its own call, with its own transaction
                }
                return TypedResults.Ok(new BatchResponse(results));
            }
            var committed = await session.RunAtomicAsync(async token =>
            {
                if (operations.Any(o => o.Path!.StartsWith("/api/v2/tasks", StringComparison.Ordinal) && !o.Path.EndsWith("/comments", StringComparison.Ordinal)))
                {
                    await using var lease = await session.OpenAsync(token);
                    await lease.Connection.ExecuteAsync(new CommandDefinition(LockTodaysCountsSql, cancellationToken: token));
                }
                foreach (var operation in operations)
                {
                    var result = await dispatcher.RunAsync(http, operation, token);
                    results.Add(result);
                    if (result.Status >= 400)
                    {
                        return false;
                    }
                }
                return true;
            }, ct);
            if (committed)
            {
                return TypedResults.Ok(new BatchResponse(results));
            }
            var failed = results.Count - 1;
            var problem = Problem.Of(StatusCodes.Status409Conflict,
                $"Operation {failed} ({operations[failed].Method} {operations[failed].Path}) answered {results[failed].Status}; no operation was applied.");
            problem.Value.Extensions["results"] = operations.Select((_, i) => i == failed ? results[i] : BatchResult.NotRun).ToArray();
            return problem;
        }, ct);
    }
}
