using Npgsql;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Database;

public sealed class MigrationTests
{
    [Test]
    public async Task Migrating_twice_applies_each_script_once()
    {
        var database = await TestDatabase.CreateAsync("migrate");

        var first = await ServiceProcess.RunAsync(database, null, "migrate");
        var applied = await AppliedScriptsAsync(database);
        var second = await ServiceProcess.RunAsync(database, null, "migrate");

        Assert.Multiple(async () =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Output);
            Assert.That(second.ExitCode, Is.Zero, second.Output);
            Assert.That(applied, Is.Not.Empty.And.Unique);
            Assert.That(await AppliedScriptsAsync(database), Is.EqualTo(applied));
        });
    }

    [Test]
    public async Task Two_processes_migrating_at_once_apply_each_script_once()
    {
        var database = await TestDatabase.CreateAsync("migrate");

        var results = await Task.WhenAll(
            ServiceProcess.RunAsync(database, null, "migrate"),
            ServiceProcess.RunAsync(database, null, "migrate"));

        Assert.Multiple(async () =>
        {
            Assert.That(results[0].ExitCode, Is.Zero, results[0].Output);
            Assert.That(results[1].ExitCode, Is.Zero, results[1].Output);
            var applied = await AppliedScriptsAsync(database);
            Assert.That(applied, Is.Not.Empty.And.Unique);
            Assert.That(applied, Has.Member("1"));
        });
    }

    private static async Task<List<string>> AppliedScriptsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        // Evolve's changelog: type 0 rows are versioned migrations; 'success' marks a completed one.
        await using var command = new NpgsqlCommand("SELECT version FROM changelog WHERE type = 0 AND success ORDER BY id", connection);
        var versions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetString(0));
        }
        return versions;
    }
}
