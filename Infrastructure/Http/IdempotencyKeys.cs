using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TaskManager.Infrastructure.Http;

/// <summary>Idempotency-Key for creating requests: per user, kept 24 hours. The first request with a key claims it
/// and stores its response; a retry with the same body gets that response again, with a different body 422.</summary>
public sealed class IdempotencyKeys(NpgsqlDataSource db)
{
    public const string Header = "Idempotency-Key";

    public sealed record Stored(int Status, string Body, string? Location, string? ETag);

    /// <summary>What a request with this key should do: Claimed (go on, then Complete or Release), or a Replay.</summary>
    public sealed record Claim(bool Claimed, Stored? Replay, bool DifferentBody, bool InProgress)
    {
        /// <summary>The answer to a request that may not run: another body's key (422), or one still running (409).</summary>
        public Problem? Refusal => DifferentBody
            ? Problem.Of(StatusCodes.Status422UnprocessableEntity, "This Idempotency-Key was used with a different request body.")
            : InProgress ? Problem.Of(StatusCodes.Status409Conflict, "A request with this Idempotency-Key is still in progress.") : null;
    }

    /// <summary>The first response again, marked as a replay.</summary>
    public static ContentHttpResult Answer(HttpResponse response, Stored replay)
    {
        response.Headers["Idempotent-Replayed"] = "true";
        response.Headers.ETag = replay.ETag;
        response.Headers.Location = replay.Location;
        return TypedResults.Content(replay.Body, "application/json", statusCode: replay.Status);
    }

    // A claim left unfinished for a minute (its process died between claiming and answering) is free again: a create
    // takes one statement, well within that. Each claim also removes a few expired keys, so the table stays small.
    private const string ClaimSql = """
        DELETE FROM idempotency_keys WHERE user_id = @UserId AND key = @Key
            AND (created_at < now() - interval '24 hours' OR (status IS NULL AND created_at < now() - interval '1 minute'));
        DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM idempotency_keys WHERE created_at < now() - interval '24 hours' LIMIT 100));
        INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (@UserId, @Key, @Hash)
        ON CONFLICT (user_id, key) DO NOTHING RETURNING true;
        """;

    private const string ReadSql = "SELECT request_hash, status, body, location, etag FROM idempotency_keys WHERE user_id = @UserId AND key = @Key";

    public static string Hash(string canonicalBody) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalBody)));

    public async Task<Claim> ClaimAsync(long userId, string key, string hash, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { UserId = userId, Key = key, Hash = hash };
        if (await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(ClaimSql, args, cancellationToken: ct)) == true)
        {
            return new Claim(true, null, false, false);
        }
        var row = await connection.QuerySingleOrDefaultAsync<(string RequestHash, int? Status, string? Body, string? Location, string? ETag)>(
            new CommandDefinition(ReadSql, args, cancellationToken: ct));
        if (row.RequestHash is null)
        {
            return await ClaimAsync(userId, key, hash, ct); // released meanwhile: try again
        }
        if (row.RequestHash != hash)
        {
            return new Claim(false, null, true, false);
        }
        return row.Status is { } status
            ? new Claim(false, new Stored(status, row.Body!, row.Location, row.ETag), false, false)
            : new Claim(false, null, false, true);
    }

    /// <summary>Stores the response of a claimed key's request. Not cancellable: once the task exists, its key must say so.</summary>
    public async Task CompleteAsync(long userId, string key, Stored response)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE idempotency_keys SET status = @Status, body = @Body, location = @Location, etag = @ETag WHERE user_id = @UserId AND key = @Key",
            new { UserId = userId, Key = key, response.Status, response.Body, response.Location, response.ETag }));
    }

    /// <summary>Frees a key whose request failed, so a corrected retry may use it.</summary>
    public async Task ReleaseAsync(long userId, string key)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("DELETE FROM idempotency_keys WHERE user_id = @UserId AND key = @Key AND status IS NULL", new { UserId = userId, Key = key });
    }
}

/// <summary>What an Idempotency-Key may be, on every route that takes one.</summary>
public static class IdempotencyKeyRules
{
    public const int MaxLength = 200;

    public static readonly string Message =
        string.Create(CultureInfo.InvariantCulture, $"{IdempotencyKeys.Header} must be 1 to {MaxLength} characters long.");

    /// <summary>1 to 200 characters, answered under the header's name.</summary>
    public static IRuleBuilderOptions<T, string?> ValidIdempotencyKey<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Length(1, MaxLength).WithMessage(Message).OverridePropertyName(IdempotencyKeys.Header);
}

/// <summary>The Idempotency-Key header alone, for [AsParameters], where a route has no other header or query to check.</summary>
public sealed class IdempotencyKeyHeader
{
    [FromHeader(Name = IdempotencyKeys.Header)]
    public string? Key { get; init; }
}

public sealed class IdempotencyKeyHeaderValidator : AbstractValidator<IdempotencyKeyHeader>
{
    public IdempotencyKeyHeaderValidator() => RuleFor(h => h.Key).ValidIdempotencyKey();
}
