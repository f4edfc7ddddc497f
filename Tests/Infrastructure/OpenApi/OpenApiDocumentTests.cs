using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.OpenApi;

/// <summary>The documents SDKs are generated from: OpenAPI 3.1, every operation named and its answers typed, what a
/// client may leave out optional, and the headers it needs declared.</summary>
public sealed class OpenApiDocumentTests : ApiTest
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    public static readonly string[] Documents = ["v1", "v2"];

    [TestCaseSource(nameof(Documents))]
    public async Task The_document_is_OpenAPI_3_1_with_the_bearer_scheme_and_the_account_routes(string name)
    {
        var document = await DocumentAsync(name);

        Assert.Multiple(() =>
        {
            Assert.That(document["openapi"]!.GetValue<string>(), Does.StartWith("3.1"));
            Assert.That(document["info"]!["version"]!.GetValue<string>(), Is.EqualTo(name));
            Assert.That(document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!.GetValue<string>(), Is.EqualTo("bearer"));
            Assert.That(document["paths"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "/api/register", "/api/login", "/api/me" }));
            Assert.That(document["tags"]!.AsArray().Select(t => t!["description"]?.GetValue<string>()), Has.All.Not.Null.And.Not.Empty);
        });
    }

    [TestCaseSource(nameof(Documents))]
    public async Task Every_operation_has_a_unique_name_and_typed_responses(string name)
    {
        var operations = Operations(await DocumentAsync(name)).ToList();

        Assert.That(operations, Is.Not.Empty);
        var names = operations.Select(o => o.Operation["operationId"]?.GetValue<string>()).ToList();
        Assert.That(names, Is.All.Not.Null);
        Assert.That(names, Is.Unique);
        Assert.Multiple(() =>
        {
            foreach (var (operationName, operation) in operations)
            {
                foreach (var (status, response) in operation["responses"]!.AsObject().Where(r => r.Key is not ("204" or "304")))
                {
                    var content = response!["content"]?.AsObject();
                    Assert.That(content, Is.Not.Null.And.Not.Empty, $"{operationName} {status} has no typed body");
                    if (status.StartsWith('4') || status.StartsWith('5'))
                    {
                        Assert.That(content!.Select(c => c.Key), Has.Member("application/problem+json"), $"{operationName} {status}");
                    }
                }
            }
        });
    }

    [TestCaseSource(nameof(Documents))]
    public async Task Every_operation_has_a_short_title_and_a_description(string name)
    {
        var operations = Operations(await DocumentAsync(name)).ToList();

        Assert.Multiple(() =>
        {
            foreach (var (operationName, operation) in operations)
            {
                // The summary is the title /docs lists in its navigation: a few words, not a sentence.
                var summary = operation["summary"]?.GetValue<string>() ?? "";
                Assert.That(summary, Has.Length.InRange(3, 40).And.Not.EndsWith("."), $"{operationName} summary");
                Assert.That(operation["description"]?.GetValue<string>(), Is.Not.Null.And.Length.GreaterThan(summary.Length), $"{operationName} description");
            }
        });
    }

    [TestCaseSource(nameof(Documents))]
    public async Task Operations_state_their_security_anonymous_ones_with_an_empty_list(string name)
    {
        var operations = Operations(await DocumentAsync(name)).ToDictionary(o => o.Name, o => o.Operation);
        var me = operations["GET /api/me"];

        Assert.Multiple(() =>
        {
            Assert.That(me["security"]!.AsArray().Select(s => s!.AsObject().First().Key), Is.EqualTo(new[] { "Bearer" }));
            Assert.That(me["responses"]!.AsObject().Select(r => r.Key), Has.Member("401"));
            foreach (var anonymous in new[] { "POST /api/register", "POST /api/login", "POST /api/token/refresh", "POST /api/logout" })
            {
                Assert.That(operations[anonymous]["security"]?.AsArray(), Is.Not.Null.And.Empty, anonymous);
            }
        });
    }

    [TestCaseSource(nameof(Documents))]
    public async Task No_request_field_is_both_required_and_nullable(string name)
    {
        var document = await DocumentAsync(name);
        var bodies = Operations(document)
            .Select(o => o.Operation["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>())
            .OfType<string>()
            .Distinct()
            .ToList();

        Assert.That(bodies, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var reference in bodies)
            {
                var schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
                foreach (var field in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                {
                    var type = schema["properties"]![field]!["type"];
                    Assert.That(type is JsonArray types && types.Any(t => t!.GetValue<string>() == "null"), Is.False, $"{reference}: {field}");
                }
            }
        });
    }

    [TestCaseSource(nameof(Documents))]
    public async Task Created_accepted_and_rate_limited_answers_declare_their_headers(string name)
    {
        var responses = Operations(await DocumentAsync(name))
            .SelectMany(o => o.Operation["responses"]!.AsObject().Select(r => (o.Name, Status: r.Key, Headers: r.Value!["headers"]?.AsObject())))
            .ToList();

        Assert.Multiple(() =>
        {
            foreach (var (operation, status, headers) in responses.Where(r => r.Status is "201" or "202"))
            {
                Assert.That(headers?.ContainsKey("Location"), Is.True, $"{operation} {status}");
            }
            foreach (var (operation, status, headers) in responses.Where(r => r.Status == "429"))
            {
                Assert.That(headers?["Retry-After"]?["schema"]?["type"]?.GetValue<string>(), Is.EqualTo("integer"), $"{operation} {status}");
            }
        });
    }

    [Test]
    public async Task Task_answers_declare_their_ETag_and_closed_sets_are_enums()
    {
        var document = await DocumentAsync("v1");
        var paths = document["paths"]!;
        var schemas = document["components"]!["schemas"]!;
        var logFilters = paths["/api/tasks"]!["get"]!["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["schema"]!);

        Assert.Multiple(() =>
        {
            Assert.That(paths["/api/task"]!["post"]!["responses"]!["201"]!["headers"]!.AsObject().Select(h => h.Key), Is.EquivalentTo(new[] { "Location", "ETag", "RateLimit-Policy", "RateLimit" }));
            Assert.That(paths["/api/task/{id}"]!["put"]!["responses"]!["200"]!["headers"]!["ETag"], Is.Not.Null);
            Assert.That(schemas["Priority"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "LOW", "MEDIUM", "HIGH", "CRITICAL" }));
            Assert.That(schemas["Role"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "user", "manager", "admin" }));
            Assert.That(schemas["TaskResponse"]!["properties"]!["priority"]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/Priority"));
            Assert.That(schemas["MeResponse"]!["properties"]!["roles"]!["items"]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/Role"));
            Assert.That(schemas["UpdateTaskRequest"]!["required"], Is.Null, "every field of an update is optional");
            Assert.That(schemas["CreateTaskRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EquivalentTo(new[] { "task_name", "priority" }));
            Assert.That(logFilters["date"]["format"]!.GetValue<string>(), Is.EqualTo("date"));
            Assert.That(logFilters["from"]["format"]!.GetValue<string>(), Is.EqualTo("date"));
            Assert.That(logFilters["priority"]["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/Priority"));
            Assert.That(logFilters["status"]["type"]!.GetValue<string>(), Is.EqualTo("boolean"));
        });
    }

    [Test]
    public async Task Version_2_routes_are_in_v2_only_the_account_routes_in_both_the_rest_in_v1()
    {
        var v1 = (await DocumentAsync("v1"))["paths"]!.AsObject().Select(p => p.Key).ToList();
        var v2 = (await DocumentAsync("v2"))["paths"]!.AsObject().Select(p => p.Key).ToList();
        string[] accounts = ["/api/register", "/api/login", "/api/token/refresh", "/api/logout", "/api/me", "/api/users", "/api/users/{id}/roles"];

        Assert.Multiple(() =>
        {
            Assert.That(v1, Is.SupersetOf(accounts));
            Assert.That(v2, Is.SupersetOf(accounts));
            Assert.That(v1, Has.None.StartsWith("/api/v2/"));
            Assert.That(v2.Except(accounts).Where(p => !p.StartsWith("/api/users/", StringComparison.Ordinal) && !p.StartsWith("/api/me/", StringComparison.Ordinal)),
                Has.All.StartsWith("/api/v2/"));
            Assert.That(v1, Has.Member("/api/task/{id}"));
        });
    }

    [Test]
    public async Task The_interactive_docs_list_both_documents_and_link_to_no_outside_service()
    {
        var page = await Client.GetAsync("/docs/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("openapi/v1.json").And.Contain("openapi/v2.json"));
            // Scalar's AI chat, MCP, developer toolbar (deploy, share, generate SDK), client-app button, telemetry and
            // CDN fonts all reach its own services; the page's configuration turns each off and names no other host.
            Assert.That(html, Does.Contain("\"agent\":{\"disabled\":true}").And.Contain("\"mcp\":{\"disabled\":true}"));
            Assert.That(html, Does.Contain("\"showDeveloperTools\":\"never\"").And.Contain("\"hideClientButton\":true"));
            Assert.That(html, Does.Contain("\"telemetry\":false").And.Contain("\"withDefaultFonts\":false"));
            Assert.That(html, Does.Not.Contain("http:").And.Not.Contain("https:"));
        });
    }

    private async Task<JsonObject> DocumentAsync(string name)
    {
        var response = await Client.GetAsync($"/openapi/{name}.json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await ReadJsonAsync(response);
    }

    private static IEnumerable<(string Name, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        where Methods.Contains(method.Key)
        select ($"{method.Key.ToUpperInvariant()} {path.Key}", method.Value!.AsObject());
}
