using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Each operation states its own security: the bearer scheme with its 401 (and 403 where a role is needed), or
/// `security: []` when anonymous, so linters and generators need not guess (there is no document-wide default).</summary>
internal static class OperationSecurity
{
    public const string BearerScheme = "Bearer";

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Security = [];
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
        });
        ProblemResponses.Add(operation, context, "401", "The access token is missing, invalid or expired.");
        if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null && a.Policy != Auth.Policies.User))
        {
            ProblemResponses.Add(operation, context, "403", "The caller's role does not allow this.");
        }
        return Task.CompletedTask;
    }
}
