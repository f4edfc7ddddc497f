using TaskManager.Features.Tokens.CreateToken;
using TaskManager.Features.Tokens.ListTokens;
using TaskManager.Features.Tokens.RevokeToken;

namespace TaskManager.Features.Tokens;

public static class TokensEndpoints
{
    public static void MapTokens(this IEndpointRouteBuilder app)
    {
        // Tokens are managed from a password session only: a leaked token can neither mint more nor hide itself.
        var tokens = app.MapGroup("/api/v2/tokens").WithTags("Tokens (v2)").RequireAuthorization(Policies.User)
            .RequireScope(TokenScopes.SessionOnly);
        tokens.MapCreateToken();
        tokens.MapListTokens();
        tokens.MapRevokeToken();
    }
}
