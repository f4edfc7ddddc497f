using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Http;

/// <summary>Security headers, body limits, CORS, HSTS and HTTPS redirection.</summary>
public sealed class HttpSecurityTests : ApiTest
{
    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Multiple(() =>
        {
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That(response.Headers.GetValues("X-Frame-Options"), Is.EqualTo(new[] { "DENY" }));
            Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("frame-ancestors 'none'"));
        });
    }

    [Test]
    public async Task Every_answer_carries_the_security_headers_successes_and_errors_alike()
    {
        var (_, token) = await SignUpAsync("alice");

        AssertSecurityHeaders(await SendAsync(HttpMethod.Get, "/api/me", token));
        AssertSecurityHeaders(await SendAsync(HttpMethod.Get, "/api/me", null));
        AssertSecurityHeaders(await Client.GetAsync("/api/nothing-here"));
        AssertSecurityHeaders(await Client.PostAsync("/api/login", Json("{not json")));
        AssertSecurityHeaders(await Client.GetAsync("/openapi/v1.json"));
    }

    [Test]
    public async Task API_answers_forbid_every_content_source_while_the_docs_page_may_load_its_own()
    {
        var api = await Client.GetAsync("/health/live");
        var docs = await Client.GetAsync("/docs/");

        Assert.Multiple(() =>
        {
            Assert.That(api.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo("default-src 'none'; frame-ancestors 'none'"));
            Assert.That(docs.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(docs.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo("frame-ancestors 'none'"));
        });
    }

    [Test]
    public async Task A_JSON_body_over_64_KB_is_413_before_it_is_read()
    {
        var body = $$"""{"username":"{{new string('a', 70_000)}}","email":"a@example.com","password":"correct-horse-1"}""";

        var problem = await AssertProblemAsync(await Client.PostAsync("/api/register", Json(body)), HttpStatusCode.RequestEntityTooLarge);

        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("65,536 bytes"));
        Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM users"), Is.Zero);
    }

    [Test]
    public async Task The_default_body_limit_is_configurable()
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("limits"), new Dictionary<string, string?> { ["Http:MaxRequestBodyBytes"] = "2048" });
        using var client = app.CreateClient();
        await client.PostAsJsonAsync("/api/register", new { username = "alice", email = "alice@example.com", password = "correct-horse-1" });
        var login = await ReadJsonAsync(await client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" }));
        Task<HttpResponseMessage> CreateAsync(int descriptionLength)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/task")
            {
                Content = Json($$"""{"task_name":"t","priority":"LOW","description":"{{new string('d', descriptionLength)}}"}"""),
            };
            request.Headers.Authorization = new("Bearer", login["access_token"]!.GetValue<string>());
            return client.SendAsync(request);
        }

        Assert.That((await CreateAsync(1_000)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await AssertProblemAsync(await CreateAsync(3_000), HttpStatusCode.RequestEntityTooLarge);
    }

    [TestCase("Cors:AllowedOrigins:0", "https://app.example.com", TestName = "Only_configured_origins_get_CORS_permission")]
    [TestCase("Cors:AllowedOrigins", "https://admin.example.com, https://app.example.com", TestName = "Origins_may_be_given_as_one_comma_separated_value")]
    public async Task Only_configured_origins_get_CORS_permission(string key, string value)
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("cors"), new Dictionary<string, string?> { [key] = value });
        using var client = app.CreateClient();
        async Task<HttpResponseMessage> PreflightAsync(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/me");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "authorization");
            return await client.SendAsync(request);
        }

        var allowed = await PreflightAsync("https://app.example.com");
        var other = await PreflightAsync("https://evil.example.net");
        var sharedApp = await SendWithOriginAsync(Client, "https://app.example.com");

        Assert.Multiple(() =>
        {
            Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "https://app.example.com" }));
            Assert.That(other.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
            Assert.That(sharedApp.Headers.Contains("Access-Control-Allow-Origin"), Is.False, "no origins configured: none allowed");
        });
    }

    private static async Task<HttpResponseMessage> SendWithOriginAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request);
    }

    [Test]
    public void A_wildcard_origin_stops_the_start_up()
    {
        var options = new TaskManager.Infrastructure.Http.CorsPolicyOptions { AllowedOrigins = ["*"] };
        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();
        Assert.That(errors.Single().ErrorMessage, Does.Contain("'*'"));
    }

    [Test]
    public async Task HSTS_and_HTTPS_redirection_apply_in_production_only()
    {
        var database = await TestDatabase.CreateAsync("hsts");
        await using var production = new TaskManagerApp(database, new Dictionary<string, string?> { ["environment"] = "Production", ["https_port"] = "443" });
        await using var testing = new TaskManagerApp(database, new Dictionary<string, string?> { ["https_port"] = "443" });
        var https = new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.com"), AllowAutoRedirect = false };
        var http = new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://api.example.com"), AllowAutoRedirect = false };

        var productionHttps = await production.CreateClient(https).GetAsync("/health/live");
        var productionHttp = await production.CreateClient(http).GetAsync("/health/live");
        var testingHttps = await testing.CreateClient(https).GetAsync("/health/live");
        var testingHttp = await testing.CreateClient(http).GetAsync("/health/live");

        Assert.Multiple(() =>
        {
            Assert.That(productionHttps.Headers.GetValues("Strict-Transport-Security").Single(), Does.StartWith("max-age=31536000"));
            Assert.That(productionHttp.StatusCode, Is.EqualTo(HttpStatusCode.TemporaryRedirect));
            Assert.That(productionHttp.Headers.Location?.Scheme, Is.EqualTo("https"));
            Assert.That(testingHttps.Headers.Contains("Strict-Transport-Security"), Is.False);
            Assert.That(testingHttp.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }
}
