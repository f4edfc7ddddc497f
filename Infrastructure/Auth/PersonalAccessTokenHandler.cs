using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;

namespace TaskManager.Infrastructure.Auth;

/// <summary>Signs in a request that presents a personal access token (`Authorization: Bearer tmpat_...`) as the token's
/// user: the same claims as a JWT session's (sub, name, roles as they are now, the account's token version) plus the
/// token's id and scopes, so every policy and handler treats both alike. The account check is the sessions' own
/// (<see cref="AccountStatus"/>): a disabled user or a changed role holds within the same time.</summary>
public sealed class PersonalAccessTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    PersonalAccessTokenLookup tokens, AccountStatus accounts) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PersonalAccessToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PersonalAccessTokens.Presented(Request) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }
        if (!PersonalAccessTokens.IsWellFormed(presented))
        {
            return AuthenticateResult.Fail("The personal access token is malformed.");
        }
        var ct = Context.RequestAborted;
        var hash = PersonalAccessTokens.Hash(presented);
        var token = await tokens.FindAsync(hash, fresh: false, ct);
        var principal = token is null ? null : Principal(token);
        var reason = principal is null ? null : await accounts.RejectionAsync(principal, ct);
        if (reason is not null)
        {
            // The account changed since the token was cached here (a role, a deactivation): read it again, once.
            token = await tokens.FindAsync(hash, fresh: true, ct);
            principal = token is null ? null : Principal(token);
            reason = principal is null ? null : await accounts.RejectionAsync(principal, ct);
        }
        if (token is null || principal is null)
        {
            return AuthenticateResult.Fail("The personal access token is unknown or revoked.");
        }
        if (reason is not null || !token.IsActive)
        {
            return AuthenticateResult.Fail(reason ?? "This account has been deactivated.");
        }
        if (token.ExpiresAt <= TimeProvider.GetUtcNow().UtcDateTime)
        {
            return AuthenticateResult.Fail("The personal access token has expired.");
        }
        tokens.Touch(token.Id, hash);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    // RFC 6750 3.1, as for JWTs: a refused token gets error="invalid_token" and no more.
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
    }

    private static ClaimsPrincipal Principal(PersonalAccessToken token)
    {
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, token.UserId.ToString(CultureInfo.InvariantCulture)),
            new(AuthExtensions.NameClaim, token.Username),
            new(AccountStatus.TokenVersionClaim, token.TokenVersion.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
            new(TokenScopes.TokenIdClaim, token.Id.ToString(CultureInfo.InvariantCulture)),
            // As a JWT's: what outlives the request (a change stream) ends when the token does.
            new(JwtRegisteredClaimNames.Exp, new DateTimeOffset(DateTime.SpecifyKind(token.ExpiresAt, DateTimeKind.Utc)).ToUnixTimeSeconds()
                .ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
        };
        claims.AddRange(token.Roles.Select(role => new Claim(AuthExtensions.RoleClaim, role)));
        claims.AddRange(token.Scopes.Select(scope => new Claim(TokenScopes.Claim, scope)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, AuthExtensions.NameClaim, AuthExtensions.RoleClaim));
    }
}
