using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TaskManager.Infrastructure.Auth;

/// <summary>What a correctly signed access token must also satisfy, beyond what the token handler checks:
/// nothing in it this service would have to understand and does not, and no expiry further ahead than
/// this service ever issues. A token that breaks them was not made by <see cref="AccessTokenIssuer"/>, so
/// whoever made it holds the key or found a flaw; refusing it bounds what either can do.</summary>
public static class AccessTokenRules
{
    public const string CriticalHeader = "crit";

    /// <summary>Null when the token may be used; otherwise why it may not.</summary>
    public static string? Rejection(SecurityToken token, TimeSpan maxLifetime, DateTimeOffset now)
    {
        if (token is not JsonWebToken jwt)
        {
            return "The token is not a JSON Web Token.";
        }
        // RFC 7515 4.1.11: a recipient must refuse a token whose "crit" lists an extension it does not
        // understand, and an empty list is invalid too. This service understands none.
        if (jwt.TryGetHeaderValue<object>(CriticalHeader, out _))
        {
            return "The token has critical header parameters this service does not understand.";
        }
        return jwt.ValidTo > now.UtcDateTime + maxLifetime
            ? "The token expires later than any token this service issues."
            : null;
    }
}
