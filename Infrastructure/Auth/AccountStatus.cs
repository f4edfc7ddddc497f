using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;

namespace TaskManager.Infrastructure.Auth;

/// <summary>Checks on every authenticated request that the token's account exists, is active and has the token's
/// version, so a deactivation or role change ends its tokens at once. Answers are kept per process for
/// Auth:AccountCheckCacheSeconds; other instances notice a revocation within that (docs/security.md).</summary>
public sealed class AccountStatus(NpgsqlDataSource db, IOptions<AuthOptions> options) : IDisposable
{
    /// <summary>The claim holding the account's token version at issue. Tokens without it count as version 0.</summary>
    public const string TokenVersionClaim = "tv";

    private const string Sql = "SELECT is_active, token_version FROM users WHERE id = @Id";

    private readonly MemoryCache cache = new(new MemoryCacheOptions());

    /// <summary>Null when the token may be used; otherwise why it may not.</summary>
    public async ValueTask<string?> RejectionAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!long.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), NumberStyles.None, CultureInfo.InvariantCulture, out var userId))
        {
            return "The token names no account.";
        }
        if (TokenVersion(principal) is not { } issuedUnder)
        {
            return "The token's version claim is not a non-negative integer.";
        }

        var account = await ReadAsync(userId, issuedUnder, ct);
        if (account is not { IsActive: true })
        {
            return "This account no longer exists or has been deactivated.";
        }
        return account.TokenVersion == issuedUnder
            ? null
            : "This account's roles or status changed since the token was issued; sign in again or refresh the token.";
    }

    // Absent: version 0. Present: exactly one JSON integer, 0 or more. Anything else (-1, 1.5, "1", [1, 2])
    // was never issued here, and must not be read as some version that happens to match.
    private static int? TokenVersion(ClaimsPrincipal principal)
    {
        var claims = principal.FindAll(TokenVersionClaim).ToArray();
        if (claims.Length == 0)
        {
            return 0;
        }
        return claims is [{ ValueType: ClaimValueTypes.Integer or ClaimValueTypes.Integer32 or ClaimValueTypes.Integer64 } claim]
               && int.TryParse(claim.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;
    }

    /// <summary>Forgets what this process knows of the account, after a change to its roles or status.</summary>
    public void Forget(long userId) => cache.Remove(userId);

    /// <summary>Forgets every account (tests empty the tables between runs, and ids are reused).</summary>
    public void Clear() => cache.Clear();

    private async ValueTask<Account?> ReadAsync(long userId, int issuedUnder, CancellationToken ct)
    {
        // A token newer than what this process knows was issued after a change made elsewhere: read again, so a
        // fresh token works on every instance at once, never refused on a stale entry.
        if (cache.TryGetValue(userId, out Account? known) && (known is null || known.TokenVersion >= issuedUnder))
        {
            return known;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var account = await connection.QuerySingleOrDefaultAsync<Account>(new CommandDefinition(Sql, new { Id = userId }, cancellationToken: ct));
        var lifetime = options.Value.AccountCheckCacheSeconds;
        if (lifetime > 0)
        {
            cache.Set(userId, account, TimeSpan.FromSeconds(lifetime));
        }
        return account;
    }

    public void Dispose() => cache.Dispose();

    private sealed record Account(bool IsActive, int TokenVersion);
}
