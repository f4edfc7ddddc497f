using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Hosting;

/// <summary>The real program, started as a process with bad configuration, stops at once and says why.</summary>
public sealed class StartupTests
{
    private static readonly Dictionary<string, string> AnyPort = new() { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" };

    [Test]
    public async Task A_missing_signing_key_stops_start_up_with_a_clear_message()
    {
        var result = await ServiceProcess.RunAsync(await TestDatabase.CreateAsync("startup"), AnyPort);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Contain("Jwt:SigningKey is missing"));
    }

    [Test]
    public async Task A_signing_key_under_256_bits_stops_start_up_with_a_clear_message()
    {
        var environment = new Dictionary<string, string>(AnyPort) { ["Jwt__SigningKey"] = "too-short-secret" };

        var result = await ServiceProcess.RunAsync(await TestDatabase.CreateAsync("startup"), environment);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Contain("at least 32 bytes (256 bits)"));
    }

    [Test]
    public async Task An_unreachable_database_stops_start_up_after_the_configured_time()
    {
        var environment = new Dictionary<string, string>(AnyPort)
        {
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["Database__StartupTimeoutSeconds"] = "2",
        };

        var result = await ServiceProcess.RunAsync("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none", environment);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Contain("PostgreSQL was not reachable within 2 s"));
        Assert.That(result.Output, Does.Contain("retrying in"));
    }

    [Test]
    public async Task An_unknown_role_is_refused()
    {
        var environment = new Dictionary<string, string>(AnyPort) { ["Jwt__SigningKey"] = TaskManagerApp.SigningKey, ["Role"] = "janitor" };

        var result = await ServiceProcess.RunAsync(await TestDatabase.CreateAsync("startup"), environment);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Contain("Role 'janitor' is not one of: api, worker, all"));
    }

    [TestCase("api")]
    [TestCase("worker")]
    public async Task Roles_api_and_worker_refuse_to_start_without_a_broker(string role)
    {
        // On the in-memory bus, an api's relay would mark the shared database's events as sent, reaching no worker.
        var environment = new Dictionary<string, string>(AnyPort)
        {
            ["Jwt__SigningKey"] = TaskManagerApp.SigningKey,
            ["Role"] = role,
            ["RabbitMq__Host"] = "",
            ["ConnectionStrings__Redis"] = "",
        };

        var result = await ServiceProcess.RunAsync(await TestDatabase.CreateAsync("startup"), environment);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Output, Does.Contain($"Role {role} needs a broker: RabbitMq:Host (RabbitMq__Host) is not set"));
    }
}
