using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using NJsonSchema;
using NJsonSchema.CodeGeneration;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.OpenApi;

/// <summary>The OpenAPI documents are committed (openapi/v1.json, openapi/v2.json), and so is the C# client NSwag
/// generates from v2 (Tests/Generated/TaskManagerClient.cs): a change to the API shows up in review as a change to
/// them, and these tests fail when one no longer matches the code. UPDATE_OPENAPI=1 rewrites them all.</summary>
public sealed class CommittedDocumentTests : ApiTest
{
    private const string Regenerate = "Regenerate them with: UPDATE_OPENAPI=1 scripts/test --filter OpenApi (then review and commit the diff).";

    private static bool Updating => Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1";

    public static string DocumentPath(string name) => Path.Combine(TestRabbitMq.RepositoryRoot(), "openapi", $"{name}.json");

    public static string ClientPath => Path.Combine(TestRabbitMq.RepositoryRoot(), "Tests", "Generated", "TaskManagerClient.cs");

    [Order(1)]
    [TestCase("v1")]
    [TestCase("v2")]
    public async Task The_committed_document_is_the_one_the_service_serves(string name)
    {
        var served = await ServedDocumentAsync(name);
        if (Updating)
        {
            await File.WriteAllTextAsync(DocumentPath(name), served);
        }

        Assert.That(File.Exists(DocumentPath(name)), Is.True, $"{DocumentPath(name)} is missing. {Regenerate}");
        var committed = await File.ReadAllTextAsync(DocumentPath(name));
        Assert.That(served, Is.EqualTo(committed), $"The API and openapi/{name}.json have drifted apart. {Regenerate}");
    }

    [Test, Order(2)]
    public async Task The_committed_client_is_what_NSwag_generates_from_the_committed_document()
    {
        var generated = await GenerateClientAsync(await File.ReadAllTextAsync(DocumentPath("v2")));
        if (Updating)
        {
            await File.WriteAllTextAsync(ClientPath, generated);
        }

        Assert.That(await File.ReadAllTextAsync(ClientPath), Is.EqualTo(generated),
            $"Tests/Generated/TaskManagerClient.cs is not what NSwag generates from openapi/v2.json. {Regenerate}");
    }

    /// <summary>The served document in a stable layout. Its server is the configured one ("/" by default), never the
    /// request's host, so it is kept: linters and generators read the committed file as a client would.</summary>
    private async Task<string> ServedDocumentAsync(string name)
    {
        var response = await Client.GetAsync($"/openapi/{name}.json");
        response.EnsureSuccessStatusCode();
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>A System.Text.Json client with one method per operation, named by its operationId.</summary>
    public static async Task<string> GenerateClientAsync(string documentJson)
    {
        var document = await OpenApiDocument.FromJsonAsync(documentJson);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "TaskManagerClient",
            GenerateClientInterfaces = false,
            UseBaseUrl = false, // the HttpClient's BaseAddress says where the service is
            GenerateOptionalParameters = true,
            // Every answer keeps its status and headers (ETag, Location, Link, Idempotent-Replayed) beside its body.
            WrapResponses = true,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            ParameterNameGenerator = new CamelCaseParameterNames(),
            CSharpGeneratorSettings =
            {
                Namespace = "TaskManager.Tests.Generated",
                JsonLibrary = CSharpJsonLibrary.SystemTextJson,
                GenerateNullableReferenceTypes = true,
                ClassStyle = CSharpClassStyle.Poco,
                PropertyNameGenerator = new PascalCasePropertyNames(),
                // An optional field the caller did not set stays null (an optional enum would otherwise send its first value).
                GenerateOptionalPropertiesAsNullable = true,
                // Enums travel as their names, also inside arrays (roles), where NSwag puts no converter of its own.
                JsonConverters = ["System.Text.Json.Serialization.JsonStringEnumConverter"],
            },
        };
        var code = new CSharpClientGenerator(document, settings).GenerateFile();
        // Generated code is not held to the project's analyzers: warnings are errors here.
        return "// <auto-generated> by CommittedDocumentTests from openapi/v2.json; do not edit.\n#pragma warning disable\n"
            + code.ReplaceLineEndings("\n");
    }

    /// <summary>access_token becomes AccessToken (the wire name stays in [JsonPropertyName]).</summary>
    private sealed class PascalCasePropertyNames : IPropertyNameGenerator
    {
        public string Generate(JsonSchemaProperty property) => Pascal(property.Name);
    }

    /// <summary>task_id becomes taskId, Idempotency-Key idempotencyKey.</summary>
    private sealed class CamelCaseParameterNames : IParameterNameGenerator
    {
        public string Generate(OpenApiParameter parameter, IEnumerable<OpenApiParameter> allParameters)
        {
            var pascal = Pascal(parameter.Name);
            return char.ToLowerInvariant(pascal[0]) + pascal[1..];
        }
    }

    private static string Pascal(string name) => string.Concat(
        name.Split(['_', '-', '.', ' '], StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
