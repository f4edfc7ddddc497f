using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Hosting;

public sealed class ProcessRoleTests
{
    [Test]
    public async Task A_worker_serves_health_but_not_the_API()
    {
        await using var worker = new TaskManagerApp(await TestDatabase.CreateAsync("role"), await WithBrokerAsync("worker"));
        using var client = worker.CreateClient();

        var health = await client.GetAsync("/health/ready");
        var api = await client.PostAsync("/api/login", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [TestCase("api")]
    [TestCase("all")]
    public async Task The_api_and_all_roles_serve_the_API(string role)
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("role"), role == "all" ? new() { ["Role"] = role } : await WithBrokerAsync(role));
        using var client = app.CreateClient();

        var response = await client.GetAsync("/openapi/v1.json");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>Roles api and worker need a broker; all may run on the in-memory bus.</summary>
    private static async Task<Dictionary<string, string?>> WithBrokerAsync(string role)
    {
        var settings = await TestRabbitMq.SettingsAsync();
        settings["Role"] = role;
        return settings;
    }
}
