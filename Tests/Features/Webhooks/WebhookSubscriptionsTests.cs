using System.Net;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Webhooks;

/// <summary>Managing subscriptions with the production defaults: https only, no internal addresses, managers and admins only.</summary>
public sealed class WebhookSubscriptionsTests : ApiTest
{
    private string manager = "";
    private string user = "";

    [SetUp]
    public async Task SignInAsync()
    {
        var (managerId, _) = await SignUpAsync("boss");
        manager = TestTokens.For(managerId, "boss", ["user", "manager"]);
        (_, user) = await SignUpAsync("worker");
    }

    [Test]
    public async Task A_manager_creates_reads_lists_patches_and_deletes_a_subscription_and_sees_the_secret_only_once()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager,
            Json("""{"url":"https://hooks.example.com/tm","events":["task.updated","task.created","task.created"],"description":"CI"}"""));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var hook = await ReadJsonAsync(created);
        var id = hook["id"]!.GetValue<long>();
        Assert.Multiple(() =>
        {
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/webhooks/{id}"));
            Assert.That(hook["secret"]!.GetValue<string>(), Does.Match("^whsec_[A-Za-z0-9+/]{32,}={0,2}$"));
            Assert.That(Convert.FromBase64String(hook["secret"]!.GetValue<string>()[6..]), Has.Length.GreaterThanOrEqualTo(24));
            Assert.That(hook["events"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "task.created", "task.updated" }));
            Assert.That(hook["active"]!.GetValue<bool>(), Is.True);
            Assert.That(hook["description"]!.GetValue<string>(), Is.EqualTo("CI"));
        });

        var read = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}", manager));
        var list = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/webhooks", manager));
        Assert.Multiple(() =>
        {
            Assert.That(read["url"]!.GetValue<string>(), Is.EqualTo("https://hooks.example.com/tm"));
            Assert.That(read.ContainsKey("secret"), Is.False);
            Assert.That(list["webhooks"]!.AsArray().Select(w => w!["id"]!.GetValue<long>()), Is.EqualTo(new[] { id }));
            Assert.That(list["webhooks"]![0]!.AsObject().ContainsKey("secret"), Is.False);
            Assert.That(list.ContainsKey("next_cursor"), Is.True);
        });

        var patched = await SendAsync(HttpMethod.Patch, $"/api/v2/webhooks/{id}", manager, Json("""{"events":["import.completed"],"active":false}"""));
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK), await patched.Content.ReadAsStringAsync());
        var after = await ReadJsonAsync(patched);
        Assert.Multiple(() =>
        {
            Assert.That(after["events"]!.AsArray().Select(e => e!.GetValue<string>()), Is.EqualTo(new[] { "import.completed" }));
            Assert.That(after["active"]!.GetValue<bool>(), Is.False);
            Assert.That(after["url"]!.GetValue<string>(), Is.EqualTo("https://hooks.example.com/tm"));
        });
        var test = await SendAsync(HttpMethod.Post, $"/api/v2/webhooks/{id}/test", manager);
        await AssertProblemAsync(test, HttpStatusCode.Conflict);

        Assert.That((await SendAsync(HttpMethod.Delete, $"/api/v2/webhooks/{id}", manager)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}", manager), HttpStatusCode.NotFound);
        await AssertProblemAsync(await SendAsync(HttpMethod.Delete, $"/api/v2/webhooks/{id}", manager), HttpStatusCode.NotFound);
    }

    [TestCase("https://127.0.0.1/")]
    [TestCase("https://10.0.0.1/")]
    [TestCase("https://169.254.169.254/")]
    [TestCase("https://[::1]/")]
    [TestCase("https://localhost/hook")]
    [TestCase("https://[2002:a9fe:a9fe::1]/")]
    [TestCase("https://[::ffff:0:a9fe:a9fe]/")]
    [TestCase("http://hooks.example.com/")]
    [TestCase("not a url")]
    public async Task Urls_that_are_not_https_or_reach_internal_addresses_are_refused_naming_url(string url)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager, Json(new JsonObject { ["url"] = url, ["events"] = new JsonArray("task.created") }.ToJsonString()));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "url" }));
        Assert.That((await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/v2/webhooks", manager)))["webhooks"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Patching_the_url_to_an_internal_address_is_refused_and_changes_nothing()
    {
        var id = await CreateAsync("https://hooks.example.com/a");

        var response = await SendAsync(HttpMethod.Patch, $"/api/v2/webhooks/{id}", manager, Json("""{"url":"https://192.168.0.10/"}"""));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "url" }));
        var read = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}", manager));
        Assert.That(read["url"]!.GetValue<string>(), Is.EqualTo("https://hooks.example.com/a"));
    }

    [TestCase("""{"url":"https://hooks.example.com/","events":[]}""", "events")]
    [TestCase("""{"url":"https://hooks.example.com/","events":["webhook.test"]}""", "events")]
    [TestCase("""{"url":"https://hooks.example.com/","events":["task.exploded"]}""", "events")]
    [TestCase("""{"url":"https://hooks.example.com/"}""", "events")]
    [TestCase("""{"events":["task.created"]}""", "url")]
    public async Task Bad_subscriptions_are_refused_naming_the_field(string body, string field)
    {
        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager, Json(body)), HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain(field));
    }

    [Test]
    public async Task A_user_gets_403_on_every_webhook_route()
    {
        var id = await CreateAsync("https://hooks.example.com/a");
        var routes = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Post, "/api/v2/webhooks", """{"url":"https://hooks.example.com/b","events":["task.created"]}"""),
            (HttpMethod.Get, "/api/v2/webhooks", null),
            (HttpMethod.Get, $"/api/v2/webhooks/{id}", null),
            (HttpMethod.Patch, $"/api/v2/webhooks/{id}", """{"active":false}"""),
            (HttpMethod.Delete, $"/api/v2/webhooks/{id}", null),
            (HttpMethod.Post, $"/api/v2/webhooks/{id}/rotate-secret", null),
            (HttpMethod.Post, $"/api/v2/webhooks/{id}/test", null),
            (HttpMethod.Get, $"/api/v2/webhooks/{id}/deliveries", null),
            (HttpMethod.Post, $"/api/v2/webhooks/{id}/deliveries/{Guid.NewGuid()}/retry", null),
        };

        foreach (var (method, path, body) in routes)
        {
            var response = await SendAsync(method, path, user, body is null ? null : Json(body));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{method} {path}");
        }
        var read = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/webhooks/{id}", manager));
        Assert.That(read["active"]!.GetValue<bool>(), Is.True, "the user's PATCH and DELETE changed nothing");
    }

    [Test]
    public async Task An_unknown_webhook_is_404_on_every_route_that_names_one()
    {
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/v2/webhooks/999"), (HttpMethod.Post, "/api/v2/webhooks/999/rotate-secret"),
                     (HttpMethod.Post, "/api/v2/webhooks/999/test"), (HttpMethod.Get, "/api/v2/webhooks/999/deliveries"),
                     (HttpMethod.Post, $"/api/v2/webhooks/999/deliveries/{Guid.NewGuid()}/retry"),
                 })
        {
            await AssertProblemAsync(await SendAsync(method, path, manager), HttpStatusCode.NotFound);
        }
    }

    [Test]
    public async Task The_secret_is_stored_encrypted_not_as_shown()
    {
        var created = await ReadJsonAsync(await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager,
            Json("""{"url":"https://hooks.example.com/a","events":["task.created"]}""")));
        var shown = Convert.FromBase64String(created["secret"]!.GetValue<string>()[6..]);

        var stored = await Sql.ScalarAsync<byte[]>(App.ConnectionString, "SELECT secret FROM webhook_subscriptions");

        Assert.That(Convert.ToHexString(stored!), Does.Not.Contain(Convert.ToHexString(shown)));
    }

    private async Task<long> CreateAsync(string url)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/webhooks", manager,
            Json(new JsonObject { ["url"] = url, ["events"] = new JsonArray("task.created") }.ToJsonString()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }
}
