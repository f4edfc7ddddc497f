using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TaskManager.Infrastructure.Auth;

public static class AuthExtensions
{
    public const string RoleClaim = "role";
    public const string NameClaim = JwtRegisteredClaimNames.UniqueName;

    /// <summary>The default scheme: forwards to the JWT bearer or the personal access token handler.</summary>
    public const string BearerScheme = "BearerToken";

    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();
        services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Both kinds of token arrive as `Authorization: Bearer`; the prefix tells which handler reads it, so a route
        // needs no scheme of its own and every policy sees one kind of principal.
        services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, "JWT or personal access token", o => o.ForwardDefaultSelector = http =>
                PersonalAccessTokens.Presented(http.Request) is null ? JwtBearerDefaults.AuthenticationScheme : PersonalAccessTokenHandler.SchemeName)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PersonalAccessTokenHandler.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwtOptions) =>
            {
                var jwt = jwtOptions.Value;
                var clockSkew = TimeSpan.FromSeconds(30);
                var maxLifetime = TimeSpan.FromMinutes(jwt.AccessTokenMinutes) + clockSkew;
                // Keep claim names as issued ("sub", "role") instead of the legacy SOAP-style URIs.
                bearer.MapInboundClaims = false;
                // A 401 says invalid_token and no more: why a token failed (which issuer, which expiry) helps
                // whoever forges one, and the log has it.
                bearer.IncludeErrorDetails = false;
                // RFC 8725: one algorithm, one key, one token type, issuer and audience checked, a small skew.
                // A token whose header names another algorithm (none, RS256, HS512) is refused before any key is
                // tried, so an HMAC secret can never be mistaken for a public key or the other way round.
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidTypes = [AccessTokenIssuer.TokenType],
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = clockSkew,
                    NameClaimType = NameClaim,
                    RoleClaimType = RoleClaim,
                };
                bearer.Events = new JwtBearerEvents
                {
                    // A well-signed token is not enough: it must keep our own rules for tokens, and its account
                    // must still be active and unchanged.
                    OnTokenValidated = async context =>
                    {
                        var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
                        var status = context.HttpContext.RequestServices.GetRequiredService<AccountStatus>();
                        var reason = AccessTokenRules.Rejection(context.SecurityToken, maxLifetime, now)
                                     ?? await status.RejectionAsync(context.Principal!, context.HttpContext.RequestAborted);
                        if (reason is not null)
                        {
                            context.Fail(reason);
                        }
                    },
                    // RFC 6750 3.1: a refused token gets error="invalid_token"; a missing one gets no error code.
                    OnChallenge = context =>
                    {
                        if (context.AuthenticateFailure is not null)
                        {
                            context.Error = "invalid_token";
                        }
                        return Task.CompletedTask;
                    },
                };
            });

        // Each policy also holds a token to the scope of its route (TokenScopes); a session holds every scope.
        var scoped = new ScopeRequirement();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.User, p => p.RequireAuthenticatedUser().AddRequirements(scoped))
            .AddPolicy(Policies.Manager, p => p.RequireAuthenticatedUser().RequireRole(Roles.Manager, Roles.Admin).AddRequirements(scoped))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin).AddRequirements(scoped));
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeChallengeResultHandler>();

        services.AddOptions<PasswordHasherOptions>().Configure<IOptions<AuthOptions>>((o, auth) =>
            // OWASP's 2023 figure for PBKDF2-HMAC-SHA512; PasswordHasher's V3 format records the count in
            // each hash, so raising it later still verifies older hashes (and login upgrades them).
            o.IterationCount = auth.Value.PasswordHashIterations);
        services.AddSingleton<IPasswordHasher<object>, PasswordHasher<object>>();
        services.AddSingleton<PasswordDecoy>();
        services.AddSingleton<AccountStatus>();
        services.AddSingleton<PersonalAccessTokenLookup>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>The signed-in user's id, from the token's <c>sub</c>.</summary>
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(JwtRegisteredClaimNames.Sub)
                   ?? throw new InvalidOperationException("The principal has no subject claim."), CultureInfo.InvariantCulture);
}

public static class CallerExtensions
{
    /// <summary>Managers and admins may change any task.</summary>
    public static bool IsPrivileged(this ClaimsPrincipal user) => user.IsInRole(Roles.Manager) || user.IsInRole(Roles.Admin);
}
