using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TaskManager.Infrastructure.Auth;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Each operation states its own security: the bearer scheme with its 401 and 403, or `security: []` when anonymous,
/// so linters and generators need not guess (there is no document-wide default). The scheme's list names the scope a
/// personal access token needs for the operation (OpenAPI 3.1 allows role names there for non-OAuth schemes).</summary>
internal static class OperationSecurity
{
    public const string BearerScheme = "Bearer";

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
            [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = scope is TokenScopes.AnyToken or TokenScopes.SessionOnly ? [] : [scope],
        });
        ProblemResponses.Add(operation, context, "401", "The access token is missing, invalid or expired.");
        ProblemResponses.Add(operation, context, "403", scope == TokenScopes.SessionOnly
            ? "A personal access token may not do this (only a password session may), or the caller's role does not allow it."
            : scope == TokenScopes.AnyToken
                ? "The caller's role does not allow this."
                : $"The caller's role does not allow this, or a personal access token lacks the scope {scope} " +
                  "(WWW-Authenticate: Bearer error=\"insufficient_scope\" names it).");
        return Task.CompletedTask;
    }
}
