using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.OpenApi;

/// <summary>The document SDKs are generated from: OpenAPI 3.1, every operation named and its answers typed.</summary>
public sealed class OpenApiDocumentTests : ApiTest
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Test]
    public async Task The_document_is_OpenAPI_3_1_with_the_bearer_scheme()
    {
        var document = await DocumentAsync();

        Assert.Multiple(() =>
        {
            Assert.That(document["openapi"]!.GetValue<string>(), Does.StartWith("3.1"));
            Assert.That(document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!.GetValue<string>(), Is.EqualTo("bearer"));
            Assert.That(document["paths"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "/api/register", "/api/login", "/api/me" }));
        });
    }

    [Test]
    public async Task Every_operation_has_a_unique_name_and_typed_responses()
    {
        var operations = Operations(await DocumentAsync()).ToList();

        Assert.That(operations, Is.Not.Empty);
        var names = operations.Select(o => o.Operation["operationId"]?.GetValue<string>()).ToList();
        Assert.That(names, Is.All.Not.Null);
        Assert.That(names, Is.Unique);
        Assert.Multiple(() =>
        {
            foreach (var (name, operation) in operations)
            {
                foreach (var (status, response) in operation["responses"]!.AsObject().Where(r => r.Key != "204"))
                {
                    var content = response!["content"]?.AsObject();
                    Assert.That(content, Is.Not.Null.And.Not.Empty, $"{name} {status} has no typed body");
                    if (status.StartsWith('4') || status.StartsWith('5'))
                    {
                        Assert.That(content!.Select(c => c.Key), Has.Member("application/problem+json"), $"{name} {status}");
                    }
                }
            }
        });
    }

    [Test]
    public async Task Every_operation_has_a_short_title_and_a_description()
    {
        var operations = Operations(await DocumentAsync()).ToList();

        Assert.Multiple(() =>
        {
            foreach (var (name, operation) in operations)
            {
                // The summary is the title /docs lists in its navigation: a few words, not a sentence.
                var summary = operation["summary"]?.GetValue<string>() ?? "";
                Assert.That(summary, Has.Length.InRange(3, 40).And.Not.EndsWith("."), $"{name} summary");
                Assert.That(operation["description"]?.GetValue<string>(), Is.Not.Null.And.Length.GreaterThan(summary.Length), $"{name} description");
            }
        });
    }

    [Test]
    public async Task Protected_operations_declare_the_bearer_requirement_and_their_401()
    {
        var me = Operations(await DocumentAsync()).Single(o => o.Name == "GET /api/me").Operation;

        Assert.Multiple(() =>
        {
            Assert.That(me["security"]!.AsArray().Select(s => s!.AsObject().First().Key), Has.Member("Bearer"));
            Assert.That(me["responses"]!.AsObject().Select(r => r.Key), Has.Member("401"));
        });
    }

    [Test]
    public async Task The_interactive_docs_render()
    {
        var page = await Client.GetAsync("/docs/");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("openapi/v1.json").IgnoreCase);
    }

    private async Task<JsonObject> DocumentAsync()
    {
        var response = await Client.GetAsync("/openapi/v1.json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await ReadJsonAsync(response);
    }

    private static IEnumerable<(string Name, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        where Methods.Contains(method.Key)
        select ($"{method.Key.ToUpperInvariant()} {path.Key}", method.Value!.AsObject());
}
