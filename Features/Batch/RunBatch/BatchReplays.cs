using System.Text.Json;

namespace TaskManager.Features.Batch.RunBatch;

/// <summary>Idempotency-Key on a batch, as on a create (IdempotencyKeys): the first answer is stored and a retry with the same
/// body gets it again, with Idempotent-Replayed: true, and runs nothing. A batch that applied nothing (a failed atomic one, a
/// refusal) frees its key, so a corrected retry may use it. The key itself is checked by IdempotencyKeyHeaderValidator.</summary>
public sealed class BatchReplays(IdempotencyKeys keys, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public async Task<Results<Ok<BatchResponse>, ContentHttpResult, Problem>> RunOnceAsync(HttpContext http, string? key, BatchRequest request,
        Func<Task<Results<Ok<BatchResponse>, ContentHttpResult, Problem>>> run, CancellationToken ct)
    {
        if (key is null)
        {
            return await run();
        }
        var caller = http.User.UserId();
        var options = json.Value.SerializerOptions;
        var claim = await keys.ClaimAsync(caller, key, IdempotencyKeys.Hash(JsonSerializer.Serialize(request, options)), ct);
        if (claim.Refusal is { } refusal)
        {
            return refusal;
        }
        if (claim.Replay is { } replay)
        {
            return IdempotencyKeys.Answer(http.Response, replay);
        }

        Results<Ok<BatchResponse>, ContentHttpResult, Problem> answer;
        try
        {
            answer = await run();
        }
        catch
        {
            await keys.ReleaseAsync(caller, key);
            throw;
        }
        if (answer.Result is Ok<BatchResponse> { Value: { } response })
        {
            await keys.CompleteAsync(caller, key, new IdempotencyKeys.Stored(StatusCodes.Status200OK,
                JsonSerializer.Serialize(response, options), null, null));
        }
        else
        {
            await keys.ReleaseAsync(caller, key);
        }
        return answer;
    }
}
