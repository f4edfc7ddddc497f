using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskManager.Tests.Support;

/// <summary>The real application in memory, on its own database, configured as in production except for
/// the secrets a test owns.</summary>
public sealed class TaskManagerApp(string connectionString, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public const string SigningKey = "test-signing-key-that-is-long-enough-for-hs256-0123456789";

    private static TaskManagerApp? shared;

    public string ConnectionString { get; } = connectionString;

    /// <summary>Replaces services after the application's own registrations (a fake clock, say).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>One application for the tests that need nothing special, on a database of its own.</summary>
    public static async Task<TaskManagerApp> SharedAsync()
    {
        if (shared is null)
        {
            shared = new TaskManagerApp(await TestDatabase.CreateAsync("app"));
            _ = shared.Server; // start it: runs migrations
        }
        return shared;
    }

    /// <summary>Waits until /health/ready answers 200: with RabbitMQ, the bus has connected and declared its
    /// queues, so nothing published from now on can miss them.</summary>
    public async Task<TaskManagerApp> ReadyAsync()
    {
        using var client = CreateClient();
        await Eventually.ReadAsync(async () => (await client.GetAsync("/health/ready")).StatusCode,
            status => status == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        return this;
    }

    /// <summary>Serves on a real Kestrel at a free loopback port (CreateClient then talks to it over TCP), for tests of
    /// what the in-memory server hides: slow bodies, connection limits.</summary>
    public TaskManagerApp OnKestrel()
    {
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        return this;
    }

    public static async Task DisposeSharedAsync()
    {
        if (shared is not null)
        {
            await shared.DisposeAsync();
            shared = null;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // The service's log goes to a file, not the console; a failing test prints its part (TestLog).
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(TestLog.Instance));
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        // Migrate this application's database as the role it connects with, whatever the environment says.
        builder.UseSetting("ConnectionStrings:PostgresMigrations", "");
        builder.UseSetting("Jwt:SigningKey", SigningKey);
        // The work factor is a production concern; tests hash hundreds of passwords.
        builder.UseSetting("Auth:PasswordHashIterations", "1000");
        // Each application has a database of its own, so its keys in a shared Redis are its own too.
        builder.UseSetting("Caching:InstanceName", "test-" + new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database);
        // The in-memory bus unless a test asks for RabbitMQ (TestRabbitMq.SettingsAsync): each application
        // then has a bus of its own, and its events reach only its own consumers.
        builder.UseSetting("RabbitMq:Host", "");
        // Tests take snapshots when they mean to; the scheduler's own tests turn it on.
        builder.UseSetting("TaskLog:SchedulerEnabled", "false");
        // Snapshots of a few tasks still take several batches, as a million do.
        builder.UseSetting("TaskLog:SnapshotBatchSize", "4");
        // Rate limits stay on, but so high that hundreds of tests from one address never meet them; the
        // rate-limit tests run applications of their own with low limits.
        foreach (var policy in new[] { "Register", "Login", "Upload" })
        {
            builder.UseSetting($"RateLimiting:{policy}:PermitLimit", "1000000");
        }
        foreach (var bucket in new[] { "User", "Anonymous" })
        {
            builder.UseSetting($"RateLimiting:{bucket}:TokenLimit", "1000000");
            builder.UseSetting($"RateLimiting:{bucket}:TokensPerSecond", "100000");
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }
    }
}
