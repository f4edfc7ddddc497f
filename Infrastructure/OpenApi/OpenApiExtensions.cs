using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace TaskManager.Infrastructure.OpenApi;

public static class OpenApiExtensions
{
    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        // "/" means the host that served the document.
        var serverUrl = builder.Configuration["OpenApi:ServerUrl"] is { Length: > 0 } url ? url : "/";
        foreach (var name in ApiDocuments.All)
        {
            builder.Services.AddOpenApi(name, o =>
            {
                o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
                o.ShouldInclude = description => ApiDocuments.Includes(name, description.RelativePath);
                o.AddDocumentTransformer(ApiDocuments.Describe(serverUrl));
                o.AddDocumentTransformer(AddBearerScheme);
                o.AddDocumentTransformer((document, _, _) => InlineFiles(document));
                o.AddDocumentTransformer(RequestFields.Apply);
                o.AddDocumentTransformer(SchemaEnums.Apply);
                o.AddOperationTransformer(OperationSecurity.Describe);
                o.AddOperationTransformer(ProblemResponses.DescribeLimits);
                o.AddOperationTransformer(ResponseHeaders.Describe);
                o.AddOperationTransformer(QueryParameters.Describe);
                o.AddSchemaTransformer(RequestFields.AddExample);
            });
        }
        return builder;
    }

    private static Task AddBearerScheme(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OperationSecurity.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "Either an access token (a JWT) from POST /api/login, or a personal access token (tmpat_...) from " +
                          "POST /api/v2/tokens, sent alike as `Authorization: Bearer <token>`. A personal access token may call only " +
                          "the operations its scopes cover: each operation names the one it needs in `x-token-scope` (`any`: every token; " +
                          "`none`: a password session only), and a token without it gets 403 with WWW-Authenticate: Bearer " +
                          "error=\"insufficient_scope\", scope=\"...\".",
        };
        return Task.CompletedTask;
    }

    /// <summary>A file inline ({type: string, format: binary}), not a $ref to an IFormFile component: generators
    /// (NSwag among them) recognise an upload only in that form.</summary>
    private static Task InlineFiles(OpenApiDocument document)
    {
        const string formFile = nameof(IFormFile);
        if (document.Components?.Schemas is not { } schemas || !schemas.ContainsKey(formFile))
        {
            return Task.CompletedTask;
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
        return Task.CompletedTask;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o
                .WithTitle("TaskManager API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument(ApiDocuments.V1, "v1: the seed's interface", isDefault: true)
                .AddDocument(ApiDocuments.V2, "v2: tasks as resources")
                .AddPreferredSecuritySchemes(OperationSecurity.BearerScheme)
                // A self-hosted service's docs link nowhere else: no AI chat, MCP, deploy/share/SDK toolbar, client
                // app button, telemetry or fonts from a CDN.
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools()
                .HideClientButton()
                .DisableTelemetry()
                .DisableDefaultFonts())
            .AllowAnonymous();
        return app;
    }
}
