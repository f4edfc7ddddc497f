using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Reliability;

/// <summary>Thousands of requests built from the OpenAPI documents (v1 and v2) with random and hostile values in paths,
/// queries, headers and bodies: the service answers every one with something other than a 5xx, and no answer
/// carries a stack trace or SQL.</summary>
public sealed class OpenApiFuzzTests : ApiTest
{
    private const int RequestsPerOperation = 120;

    private static readonly string[] HostileStrings =
    [
        "", " ", "0", "-1", "9223372036854775807", "9223372036854775808", "1e309", "NaN", "true", "null",
        "'; DROP TABLE tasks; --", "\" OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\u0000",
        "😀😀😀", new string('x', 300), new string('y', 70_000), "2025-02-30", "13/45/2025", "LOW", "critical",
        "00000000-0000-0000-0000-000000000000", "{\"a\":1}", "[1,2,3]", "\\u0000", "Ω≈ç√∫", "\r\nX-Injected: 1",
    ];

    private static readonly string[] BodyShapes =
    [
        "", "{", "}", "[]", "null", "0", "\"text\"", "{\"a\":", "{\"task_name\": null}", "[{\"x\":1}]",
        "{\"page\": \"abc\"}", "{\"username\": {\"nested\": [1, {\"deep\": true}]}}",
        // Escapes of half a character: valid JSON to a parser, not text to whoever reads the value.
        "{\"task_name\": \"\\ud800\"}", "{\"description\": \"a\\udc00b\"}", "{\"\\ud800\": 1}",
    ];

    [Test]
    public async Task Random_and_hostile_requests_never_get_a_5xx_or_leak_internals()
    {
        var (userId, _) = await SignUpAdminAsync("fuzzer");
        var admin = TestTokens.For(userId, "fuzzer", ["user", "manager", "admin"]);
        await SendAsync(HttpMethod.Post, "/api/task", admin, Json("""{"task_name":"target","priority":"LOW"}"""));
        var random = new Random(20261124);
        var failures = new List<string>();
        var sent = 0;

        foreach (var (path, item) in (await ReadJsonAsync(await Client.GetAsync("/openapi/v1.json")))["paths"]!.AsObject()
                     .Concat((await ReadJsonAsync(await Client.GetAsync("/openapi/v2.json")))["paths"]!.AsObject()))
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                for (var i = 0; i < RequestsPerOperation; i++)
                {
                    using var request = BuildRequest(random, method, path, operation!.AsObject(), admin);
                    using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    sent++;
                    var body = await ReadBodyAsync(response);
                    if ((int)response.StatusCode >= 500 || LeaksInternals(body))
                    {
                        failures.Add($"{(int)response.StatusCode} {request.Method} {request.RequestUri}: {body[..Math.Min(body.Length, 300)]}");
                    }
                }
            }
        }

        Assert.That(sent, Is.GreaterThan(6_000));
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    /// <summary>The body; of an event stream (which never ends by itself), what arrives in a moment.</summary>
    private static async Task<string> ReadBodyAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return await response.Content.ReadAsStringAsync();
        }
        var received = new MemoryStream();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return System.Text.Encoding.UTF8.GetString(received.ToArray());
    }

    private static HttpRequestMessage BuildRequest(Random random, string method, string path, JsonObject operation, string token)
    {
        var query = new List<string>();
        var headers = new List<(string, string)>();
        foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
        {
            var name = parameter!["name"]!.GetValue<string>();
            var value = Value(random, parameter["schema"]);
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path":
                    // A NUL in a path never reaches the service (Kestrel refuses it; the test host throws): not a case here.
                    path = path.Replace("{" + name + "}", Uri.EscapeDataString(value.Length == 0 || value.Contains('\0') ? "1" : value), StringComparison.Ordinal);
                    break;
                case "query" when random.Next(4) > 0:
                    query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
                    break;
                case "header":
                    headers.Add((name, value));
                    break;
            }
        }
        var uri = path + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), uri);
        if (random.Next(10) > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", random.Next(8) == 0 ? "Bearer " + Pick(random, HostileStrings) : "Bearer " + token);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (operation["requestBody"] is { } body)
        {
            request.Content = Body(random, body);
        }
        return request;
    }

    private static HttpContent Body(Random random, JsonNode requestBody)
    {
        var content = requestBody["content"]!.AsObject();
        if (content.ContainsKey("multipart/form-data"))
        {
            var form = new MultipartFormDataContent();
            var file = random.Next(3) switch
            {
                0 => "task_name,priority\n" + Pick(random, HostileStrings) + "," + Pick(random, HostileStrings) + "\n",
                1 => Pick(random, HostileStrings),
                _ => "task_name,description,status,priority,created_at,assigned_user\nA,B,maybe,URGENT,99/99/9999,nobody\n",
            };
            form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(file)), random.Next(4) == 0 ? "other" : "file", "fuzz.csv");
            return form;
        }
        var json = random.Next(3) == 0 ? Pick(random, BodyShapes) : RandomObject(random);
        var type = random.Next(10) == 0 ? "text/plain" : "application/json";
        return new StringContent(json, Encoding.UTF8, type);
    }

    /// <summary>An object whose fields have the names our requests use, with values of any type.</summary>
    private static string RandomObject(Random random)
    {
        string[] names = ["username", "email", "password", "task_name", "description", "status", "priority", "assigned_user_id",
            "refresh_token", "roles", "active", "id", "created_by", "page", "per_page", "done", "due_date", "events"];
        var fields = names.Where(_ => random.Next(2) == 0).Select(name => $"\"{name}\": {JsonValue(random)}");
        return "{" + string.Join(", ", fields) + "}";
    }

    private static string JsonValue(Random random) => random.Next(7) switch
    {
        0 => random.NextInt64(long.MinValue, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => random.Next(2) == 0 ? "true" : "false",
        2 => "null",
        3 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => System.Text.Json.JsonSerializer.Serialize(Pick(random, HostileStrings)))) + "]",
        4 => "{\"x\": " + random.Next() + "}",
        5 => "1.5e300",
        _ => System.Text.Json.JsonSerializer.Serialize(Pick(random, HostileStrings)),
    };

    private static string Value(Random random, JsonNode? schema)
    {
        var type = schema?["type"]?.ToJsonString() ?? "";
        if (random.Next(3) == 0)
        {
            return Pick(random, HostileStrings);
        }
        return type.Contains("integer", StringComparison.Ordinal) ? random.Next(-5, 50).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : type.Contains("boolean", StringComparison.Ordinal) ? (random.Next(2) == 0 ? "true" : "false")
            : schema?["format"]?.GetValue<string>() == "uuid" ? Guid.NewGuid().ToString()
            : Pick(random, HostileStrings);
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static bool LeaksInternals(string body) =>
        body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) ||
        body.Contains("Npgsql", StringComparison.Ordinal) || body.Contains("SELECT ", StringComparison.Ordinal) ||
        body.Contains("INSERT ", StringComparison.Ordinal) || body.Contains("System.", StringComparison.Ordinal);
}
