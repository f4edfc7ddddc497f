using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Health;

public sealed class HealthTests : ApiTest
{
    [Test]
    public async Task Liveness_answers_without_a_token()
    {
        var response = await Client.GetAsync("/health/live");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ReadJsonAsync(response))["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
    }

    private static readonly Dictionary<string, string?> ShowDetails = new() { ["Health:ShowDetails"] = "true" };

    private static Dictionary<string, string?> WithDetails(Dictionary<string, string?> settings) =>
        new(settings.Concat(ShowDetails));

    [Test]
    public async Task Readiness_names_no_dependency_and_no_timing_by_default()
    {
        var response = await Client.GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ReadJsonAsync(response);
        Assert.That(body.Select(p => p.Key), Is.EqualTo(new[] { "status" }), body.ToJsonString());
        Assert.That(body["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task Readiness_reports_PostgreSQL_when_details_are_turned_on()
    {
        await using var app = new TaskManagerApp(App.ConnectionString, ShowDetails);
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await ReadJsonAsync(response);
        Assert.That(body["checks"]!["postgres"]!["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task Readiness_is_503_when_PostgreSQL_cannot_be_reached()
    {
        // A server that is up at start-up but whose database then disappears: readiness must say so.
        var database = await TestDatabase.CreateAsync("health");
        await using var app = new TaskManagerApp(database, ShowDetails);
        using var client = app.CreateClient();
        Assert.That((await client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await TestDatabase.DropAsync(database);

        var response = await client.GetAsync("/health/ready");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await ReadJsonAsync(response))["checks"]!["postgres"]!["status"]!.GetValue<string>(), Is.EqualTo("Unhealthy"));
    }

    [Test]
    public async Task Readiness_covers_Redis_and_the_RabbitMQ_bus_when_they_are_configured()
    {
        var database = await TestDatabase.CreateAsync("health_bus");
        await using var app = new TaskManagerApp(database, WithDetails(await TestRabbitMq.SettingsAsync()));
        using var client = app.CreateClient();

        // The API does not wait for the bus at start-up; readiness says when it is connected.
        var body = await Eventually.ReadAsync(async () => await ReadJsonAsync(await client.GetAsync("/health/ready")),
            b => b["status"]!.GetValue<string>() == "Healthy", TimeSpan.FromSeconds(30));

        var checks = body["checks"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(body["status"]!.GetValue<string>(), Is.EqualTo("Healthy"), body.ToJsonString());
            Assert.That(checks.Select(c => c.Key), Is.SupersetOf(new[] { "postgres", "redis" }), body.ToJsonString());
            Assert.That(checks.Where(c => c.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase)).Select(c => c.Value!["status"]!.GetValue<string>()),
                Is.Not.Empty.And.All.EqualTo("Healthy"), body.ToJsonString());
        });
    }

    [Test]
    public async Task Readiness_is_503_while_the_configured_broker_cannot_be_reached()
    {
        var database = await TestDatabase.CreateAsync("health_nobus");
        var settings = await TestRabbitMq.SettingsAsync();
        settings["Role"] = "api"; // the API starts without waiting for the broker; a worker would wait for it
        settings["RabbitMq:Port"] = ServiceProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture); // nobody listens
        await using var app = new TaskManagerApp(database, WithDetails(settings));
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health/ready");
        var body = await ReadJsonAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body.ToJsonString());
            Assert.That(body["checks"]!["postgres"]!["status"]!.GetValue<string>(), Is.EqualTo("Healthy"));
        });
    }
}
