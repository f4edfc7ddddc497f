using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Database;

/// <summary>The service connects as taskmanager_app, which may read and write rows and nothing more;
/// migrations run as the owner (ConnectionStrings:PostgresMigrations) and grant it access.</summary>
public sealed class LeastPrivilegeTests
{
    private const string AppRole = "taskmanager_app";

    [Category(TestCategories.Slow)]
    [Test]
    public async Task The_service_runs_as_a_role_that_reads_and_writes_rows_but_cannot_change_the_schema()
    {
        await EnsureAppRoleAsync();
        var owner = await TestDatabase.CreateAsync("roles");
        var asApp = new NpgsqlConnectionStringBuilder(owner) { Username = AppRole, Password = AppRole }.ConnectionString;
        await using var app = new TaskManagerApp(asApp, new Dictionary<string, string?> { ["ConnectionStrings:PostgresMigrations"] = owner });
        using var client = app.CreateClient();

        Assert.That((await client.PostAsJsonAsync("/api/register", new { username = "alice", email = "alice@example.com", password = "correct-horse-1" })).StatusCode,
            Is.EqualTo(HttpStatusCode.Created));
        var login = JsonNode.Parse(await (await client.PostAsJsonAsync("/api/login", new { username = "alice", password = "correct-horse-1" })).Content.ReadAsStringAsync())!;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/task") { Content = JsonContent.Create(new { task_name = "t", priority = "LOW" }) };
        create.Headers.Authorization = new("Bearer", login["access_token"]!.GetValue<string>());
        Assert.That((await client.SendAsync(create)).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        Assert.Multiple(async () =>
        {
            Assert.That(await Sql.ScalarAsync<string>(asApp, "SELECT current_user"), Is.EqualTo(AppRole));
            Assert.That(await Sql.ScalarAsync<string>(asApp, "SELECT tableowner FROM pg_tables WHERE tablename = 'tasks'"), Is.Not.EqualTo(AppRole));
            Assert.That(await RefusedAsync(asApp, "CREATE TABLE intruder (id int)"), Is.True, "create a table");
            Assert.That(await RefusedAsync(asApp, "DROP TABLE tasks"), Is.True, "drop a table");
            Assert.That(await RefusedAsync(asApp, "ALTER TABLE users ADD COLUMN x int"), Is.True, "alter a table");
            Assert.That(await RefusedAsync(asApp, "TRUNCATE task_audit"), Is.True, "truncate");
            Assert.That(await RefusedAsync(asApp, "DELETE FROM changelog"), Is.True, "rewrite the migration history");
        });
    }

    private static async Task<bool> RefusedAsync(string connectionString, string sql)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
            return false;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            return true;
        }
    }

    // scripts/services.sh creates the role; a server started otherwise (Testcontainers) gets it here if the
    // test's role may create roles.
    private static async Task EnsureAppRoleAsync()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ServerConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{AppRole}')", connection);
        if ((bool)(await exists.ExecuteScalarAsync())!)
        {
            return;
        }
        try
        {
            await using var create = new NpgsqlCommand($"CREATE ROLE {AppRole} LOGIN PASSWORD '{AppRole}'", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            Assert.Ignore($"Role {AppRole} is missing and cannot be created here; scripts/services.sh up postgres creates it.");
        }
    }
}
