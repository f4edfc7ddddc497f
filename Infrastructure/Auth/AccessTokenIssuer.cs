using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TaskManager.Infrastructure.Auth;

/// <summary>Mints signed access tokens (HS256, typ at+jwt per RFC 9068) for a signed-in user.</summary>
public sealed class AccessTokenIssuer(IOptions<JwtOptions> options, TimeProvider clock)
{
    public const string TokenType = "at+jwt";
    private readonly JsonWebTokenHandler handler = new();

    // tokenVersion is the account's token version now; a later change to its roles or status raises it and
    // so ends this token (see AccountStatus).
    public AccessToken Issue(long userId, string username, IEnumerable<string> roles, int tokenVersion)
    {
        var jwt = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var lifetime = TimeSpan.FromMinutes(jwt.AccessTokenMinutes);
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(JwtRegisteredClaimNames.UniqueName, username),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            new(AccountStatus.TokenVersionClaim, tokenVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
        };
        claims.AddRange(roles.Select(role => new Claim(AuthExtensions.RoleClaim, role)));

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = TokenType,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        };
        return new AccessToken(handler.CreateToken(descriptor), (int)lifetime.TotalSeconds);
    }
}

public sealed record AccessToken(string Token, int ExpiresInSeconds);
