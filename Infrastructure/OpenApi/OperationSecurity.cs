using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Each operation states its own security: the bearer scheme with its 401 and 403, or `security: []` when anonymous,
/// so linters and generators need not guess (there is no document-wide default). The scope a personal access token needs
/// is the operation's `x-token-scope` (linters take a bearer requirement's list for OAuth scopes it must declare).</summary>
internal static class OperationSecurity
{
    public const string BearerScheme = "Bearer";

    /// <summary>The scope a personal access token needs: one of TokenScopes.All, `any` (every token) or `none` (no token).</summary>
    public const string ScopeExtension = "x-token-scope";

    public static bool IsSignedIn(IList<object> metadata) => metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Security = [];
        if (!IsSignedIn(metadata))
        {
            return Task.CompletedTask;
        }

        var scope = TokenScopes.Required(metadata.ToList(), context.Description.HttpMethod ?? HttpMethods.Get);
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
        });
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[ScopeExtension] = new JsonNodeExtension(scope switch
        {
            TokenScopes.AnyToken => "any",
            TokenScopes.SessionOnly => "none",
            _ => scope,
        });
        ProblemResponses.Add(operation, context, "401", "The access token is missing, invalid or expired.");
        var roleLimited = metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null && a.Policy != Policies.User);
        var role = roleLimited ? "The caller's role does not allow this. " : "";
        var forbidden = scope switch
        {
            TokenScopes.AnyToken => roleLimited ? role : null,
            TokenScopes.SessionOnly => role + "A personal access token may not do this: only a password session may.",
            _ => role + $"A personal access token without the scope {scope} may not do this (WWW-Authenticate: Bearer error=\"insufficient_scope\" names it).",
        };
        if (forbidden is not null)
        {
            ProblemResponses.Add(operation, context, "403", forbidden.Trim());
        }
        return Task.CompletedTask;
    }
}
