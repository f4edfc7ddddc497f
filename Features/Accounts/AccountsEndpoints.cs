using TaskManager.Features.Accounts.ChangePassword;
using TaskManager.Features.Accounts.GetMe;
using TaskManager.Features.Accounts.ListUsers;
using TaskManager.Features.Accounts.Login;
using TaskManager.Features.Accounts.Logout;
using TaskManager.Features.Accounts.RefreshToken;
using TaskManager.Features.Accounts.Register;
using TaskManager.Features.Accounts.SearchUsers;
using TaskManager.Features.Accounts.SetUserActive;
using TaskManager.Features.Accounts.SetUserRoles;
using TaskManager.Infrastructure.RateLimiting;

namespace TaskManager.Features.Accounts;

public static class AccountsEndpoints
{
    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        var anonymous = app.MapGroup("/api").WithTags("Accounts").AllowAnonymous();
        anonymous.MapRegister().RequireRateLimiting(RateLimitPolicies.Register);
        anonymous.MapLogin().RequireRateLimiting(RateLimitPolicies.Login);
        anonymous.MapRefreshToken();
        anonymous.MapLogout();

        var signedIn = app.MapGroup("/api").WithTags("Accounts").RequireAuthorization(Policies.User);
        // Who am I: the first call of any integration, whatever its token's scopes.
        signedIn.MapMe().RequireScope(TokenScopes.AnyToken);
        // Guesses at the current password are limited as sign-ins are; a token may not change it.
        signedIn.MapChangePassword().RequireRateLimiting(RateLimitPolicies.Login).RequireScope(TokenScopes.SessionOnly);

        var v2 = app.MapGroup("/api/v2").WithTags("Accounts").RequireAuthorization(Policies.User);
        v2.MapSearchUsers();

        var admin = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin).RequireScope(TokenScopes.Admin);
        admin.MapListUsers();
        admin.MapSetUserRoles();
        admin.MapSetUserActive();
    }
}
