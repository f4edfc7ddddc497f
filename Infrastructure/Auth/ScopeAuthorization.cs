using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace TaskManager.Infrastructure.Auth;

/// <summary>Part of every policy (user, manager, admin): a personal access token must hold the scope its route needs
/// (<see cref="TokenScopes.Required"/>). The role requirements beside it still apply, so a token never does more than
/// its user may.</summary>
public sealed class ScopeRequirement : IAuthorizationRequirement;

public sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        // Endpoint routing hands the request itself to the policy: its route's metadata names the scope.
        var needed = context.Resource is HttpContext http && http.GetEndpoint() is { } endpoint
            ? TokenScopes.Required(endpoint.Metadata, http.Request.Method)
            : TokenScopes.SessionOnly;
        if (context.User.Allows(needed))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new MissingScope(this, needed));
        }
        return Task.CompletedTask;
    }
}

/// <summary>Why a token was refused: the scope it lacks (empty when no token may call the route).</summary>
public sealed class MissingScope(IAuthorizationHandler handler, string scope)
    : AuthorizationFailureReason(handler, scope == TokenScopes.SessionOnly ? "Only a password session may do this." : $"The token lacks the scope {scope}.")
{
    public string Scope { get; } = scope;
}

/// <summary>A token refused for its scope answers 403 with RFC 6750's insufficient_scope challenge and the scope it
/// needs, so a client knows which token to make; every other result is the framework's.</summary>
public sealed class ScopeChallengeResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || authorizeResult.AuthorizationFailure?.FailureReasons.OfType<MissingScope>().FirstOrDefault() is not { } missing)
        {
            await framework.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        var sessionOnly = missing.Scope == TokenScopes.SessionOnly;
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.WWWAuthenticate = sessionOnly
            ? "Bearer error=\"insufficient_scope\", error_description=\"personal access tokens cannot do this\""
            : $"Bearer error=\"insufficient_scope\", scope=\"{missing.Scope}\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Insufficient scope",
                Detail = sessionOnly
                    ? "A personal access token cannot manage tokens or change a password: sign in with your password to do this."
                    : $"This personal access token lacks the scope '{missing.Scope}' that this route needs. Create a token with it.",
            },
        });
    }
}
