using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace TaskManager.Infrastructure.OpenApi;

public static class OpenApiExtensions
{
    public const string BearerScheme = "Bearer";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        // The document's server is configured, never taken from the request: a forged Host header must not send
        // /docs (or an SDK) elsewhere. "/" means the host that served the document.
        var serverUrl = builder.Configuration["OpenApi:ServerUrl"] is { Length: > 0 } url ? url : "/";
        builder.Services.AddOpenApi("v1", o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "TaskManager API",
                    Version = "v1",
                    Description = "Tasks, their daily log, audit trail and CSV imports. Errors are RFC 9457 problem+json.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "An access token from POST /api/login.",
                };
                document.Servers = [new OpenApiServer { Url = serverUrl, Description = "This TaskManager service" }];
                InlineFiles(document);
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DescribeAuthorization);
            o.AddOperationTransformer(DescribeLimits);
            o.AddSchemaTransformer(RequestExamples.AddExample);
        });
        return builder;
    }

    /// <summary>A file inline ({type: string, format: binary}), not a $ref to an IFormFile component: generators
    /// (NSwag among them) recognise an upload only in that form.</summary>
    private static void InlineFiles(OpenApiDocument document)
    {
        const string formFile = nameof(IFormFile);
        if (document.Components?.Schemas is not { } schemas || !schemas.ContainsKey(formFile))
        {
            return;
        }
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                if (property is OpenApiSchemaReference { Reference.Id: formFile })
                {
                    schema.Properties![name] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = property.Description };
                }
            }
        }
        schemas.Remove(formFile);
    }

    /// <summary>Operations behind authorization get the bearer requirement and their 401/403 answers.</summary>
    private static Task DescribeAuthorization(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
        });
        operation.Responses ??= new OpenApiResponses();
        AddProblemResponse(operation, context, "401", "The access token is missing, invalid or expired.");
        if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null && a.Policy != Auth.Policies.User))
        {
            AddProblemResponse(operation, context, "403", "The caller's role does not allow this.");
        }
        return Task.CompletedTask;
    }

    /// <summary>Every operation may be rate limited, and one that takes a body may find it too large.</summary>
    private static Task DescribeLimits(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        operation.Responses ??= new OpenApiResponses();
        AddProblemResponse(operation, context, "429", "Too many requests; the Retry-After header says how many seconds to wait.");
        if (operation.RequestBody is not null)
        {
            AddProblemResponse(operation, context, "413", "The request body is larger than this route accepts.");
        }
        return Task.CompletedTask;
    }

    private static void AddProblemResponse(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document),
                },
            },
        };
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o
                .WithTitle("TaskManager API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddPreferredSecuritySchemes(BearerScheme))
            .AllowAnonymous();
        return app;
    }
}
