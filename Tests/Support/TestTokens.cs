using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TaskManager.Tests.Support;

/// <summary>Really signed access tokens, made the way the service makes them, for tests that need a
/// particular user, role or lifetime without going through login.</summary>
public static class TestTokens
{
    /// <summary>`claims` adds to or replaces the payload's (tv, exp, ...); `header` adds header parameters (crit, ...).</summary>
    public static string For(long userId, string username, string[] roles, DateTime? expires = null,
        string issuer = "taskmanager", string audience = "taskmanager-api", string key = TaskManagerApp.SigningKey,
        IDictionary<string, object>? claims = null, IDictionary<string, object>? header = null)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(15);
        var subject = new List<Claim> { new("sub", userId.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("unique_name", username) };
        subject.AddRange(roles.Select(r => new Claim("role", r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp < now ? exp.AddMinutes(-15) : now,
            NotBefore = exp < now ? exp.AddMinutes(-15) : now,
            Expires = exp,
            TokenType = "at+jwt",
            Subject = new ClaimsIdentity(subject),
            Claims = claims,
            AdditionalHeaderClaims = header,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The same claims with the header's alg set to "none" and no signature.</summary>
    public static string Unsigned(long userId, string username, string[] roles)
    {
        var signed = For(userId, username, roles).Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""");
        return $"{header}.{signed[1]}.";
    }

    /// <summary>A valid token whose payload was edited after signing (the role raised to admin).</summary>
    public static string Tampered(long userId, string username)
    {
        var parts = For(userId, username, ["user"]).Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"role\":\"user\"", "\"role\":\"admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}
