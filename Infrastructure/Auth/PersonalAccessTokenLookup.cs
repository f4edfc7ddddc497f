using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using TaskManager.Infrastructure.Caching;

namespace TaskManager.Infrastructure.Auth;

/// <summary>The form of a personal access token: `tmpat_` and 32 random bytes in base64url. Only its SHA-256 is stored:
/// the token carries 256 bits of randomness, so a fast hash is enough, and a slow password hash would cost every request.</summary>
public static class PersonalAccessTokens
{
    public const string Prefix = "tmpat_";
    private const int RandomBytes = 32;
    private static readonly int Length = Prefix.Length + Base64Url.GetEncodedLength(RandomBytes);

    public static string New() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));

    public static bool IsWellFormed(string token) =>
        token.Length == Length && token.StartsWith(Prefix, StringComparison.Ordinal) && Base64Url.IsValid(token.AsSpan(Prefix.Length));

    /// <summary>The token of an `Authorization: Bearer tmpat_...` header, or null when the request carries none.</summary>
    public static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) &&
               header.AsSpan(bearer.Length).TrimStart().StartsWith(Prefix, StringComparison.Ordinal)
            ? header[bearer.Length..].Trim()
            : null;
    }
}

/// <summary>A live (unrevoked) token with its user as they are now: roles read fresh, not fixed at issue.</summary>
public sealed record PersonalAccessToken
{
    public required long Id { get; init; }
    public required long UserId { get; init; }
    public required string Username { get; init; }
    public required string[] Scopes { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public required bool IsActive { get; init; }
    public required int TokenVersion { get; init; }
    public required string[] Roles { get; init; }
}

/// <summary>Finds tokens by hash, kept per process for Auth:AccountCheckCacheSeconds (as <see cref="AccountStatus"/> keeps
/// accounts) under the tokens' cache generation: a revocation bumps it, so every instance forgets its tokens at once.
/// Also records when each token was last used, at most once a minute.</summary>
public sealed class PersonalAccessTokenLookup(NpgsqlDataSource db, CacheGenerations generations, IOptions<AuthOptions> options,
    ILogger<PersonalAccessTokenLookup> logger) : IDisposable
{
    private const string DataSet = "access-tokens";
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    private const string FindSql = """
        SELECT t.id, t.user_id, u.username, t.scopes, t.expires_at, u.is_active, u.token_version,
               ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id ORDER BY r.id) AS roles
        FROM access_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = @Hash AND t.revoked_at IS NULL
        """;

    // The condition makes it a no-op when another instance wrote within the minute.
    private const string TouchSql = """
        UPDATE access_tokens SET last_used_at = now()
        WHERE id = @Id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        """;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>The token with this hash, or null when none is live. <paramref name="fresh"/> reads past the cache.</summary>
    public async ValueTask<PersonalAccessToken?> FindAsync(byte[] hash, bool fresh, CancellationToken ct)
    {
        var key = $"{await generations.CurrentAsync(DataSet)}:{Convert.ToHexString(hash)}";
        if (!fresh && cache.TryGetValue(key, out PersonalAccessToken? known))
        {
            return known;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var token = await connection.QuerySingleOrDefaultAsync<PersonalAccessToken>(new CommandDefinition(FindSql, new { Hash = hash }, cancellationToken: ct));
        var lifetime = options.Value.AccountCheckCacheSeconds;
        if (lifetime > 0)
        {
            cache.Set(key, token, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(lifetime) });
        }
        return token;
    }

    /// <summary>After a revocation: every instance forgets the tokens it knew before this returns.</summary>
    public ValueTask ForgetAllAsync() => generations.BumpAsync(DataSet);

    /// <summary>Records a use of the token without holding up the request: at most one statement a minute per token and
    /// process, and at most one write a minute per token across processes.</summary>
    public void Touch(long tokenId, byte[] hash)
    {
        var key = "used:" + Convert.ToHexString(hash);
        if (cache.TryGetValue(key, out _))
        {
            return;
        }
        cache.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TouchEvery });
        // Not awaited: a lost timestamp is harmless, a write on every request's path is not.
        _ = Task.Run(async () =>
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync();
                await connection.ExecuteAsync(TouchSql, new { Id = tokenId });
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning("Could not record the use of access token {TokenId}: {Error}", tokenId, ex.Message);
            }
        });
    }

    public void Dispose() => cache.Dispose();
}
