using System.Diagnostics;
using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Reliability;

/// <summary>PostgreSQL really stopped and started (scripts/services.sh): calls during the outage fail fast with a
/// 503 problem+json, and the service recovers on its own once the database is back.</summary>
[NonParallelizable]
public sealed class PostgresRestartTests
{
    [Test]
    public async Task During_a_database_outage_calls_fail_fast_with_503_and_the_service_recovers_without_a_restart()
    {
        var database = await TestDatabase.CreateAsync("restart");
        await using var app = new TaskManagerApp(database, new Dictionary<string, string?> { ["Database:ConnectTimeoutSeconds"] = "2" });
        var api = await SignedInClient.SignUpAsync(app);
        Assert.That((await api.SendAsync(HttpMethod.Get, "/api/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var outage = new List<(HttpStatusCode Status, string? MediaType, TimeSpan Took)>();
        TimeSpan recoveredAfter;
        await TestRabbitMq.ServicesAsync("down", "postgres");
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var response = await api.SendAsync(HttpMethod.Get, "/api/me");
                outage.Add((response.StatusCode, response.Content.Headers.ContentType?.MediaType, clock.Elapsed));
            }
        }
        finally
        {
            await TestRabbitMq.ServicesAsync("up", "postgres");
        }
        var back = Stopwatch.StartNew();
        await Eventually.ReadAsync(async () => (await api.SendAsync(HttpMethod.Get, "/api/me")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        recoveredAfter = back.Elapsed;
        await HealSharedApplicationAsync();

        Assert.Multiple(() =>
        {
            Assert.That(outage.Select(o => o.Status), Is.All.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(outage.Select(o => o.MediaType), Is.All.EqualTo("application/problem+json"));
            Assert.That(outage.Max(o => o.Took), Is.LessThan(TimeSpan.FromSeconds(5)), "no call hangs past the connect timeout");
            Assert.That(recoveredAfter, Is.LessThan(TimeSpan.FromSeconds(5)), "recovered within 5 s of the database's return");
        });
    }

    /// <summary>Other applications of this run pooled connections that the restart broke; each broken one is
    /// dropped at its first use, so a few calls through them empty their pools of dead connections.</summary>
    private static async Task HealSharedApplicationAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        var shared = await TaskManagerApp.SharedAsync();
        using var client = shared.CreateClient();
        for (int healthy = 0, tries = 0; healthy < 3 && tries < 100; tries++)
        {
            healthy = (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK ? healthy + 1 : 0;
        }
    }
}
