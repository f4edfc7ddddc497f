using Npgsql;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

/// <summary>create-admin as an operator runs it: the real program, as a process, against a fresh database.</summary>
public sealed class CreateAdminTests
{
    [Test]
    public async Task Running_create_admin_twice_leaves_one_admin()
    {
        var database = await TestDatabase.CreateAsync("admin");
        string[] args = ["create-admin", "--username", "root", "--email", "root@example.com", "--password", "correct-horse-1"];

        var first = await ServiceProcess.RunAsync(database, null, args);
        var second = await ServiceProcess.RunAsync(database, null, args);

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Output);
            Assert.That(second.ExitCode, Is.Zero, second.Output);
            Assert.That(first.Output, Does.Contain("Created admin root"));
            Assert.That(second.Output, Does.Contain("already exists"));
            Assert.That(first.Output + second.Output, Does.Not.Contain("correct-horse-1"), "the password is never logged");
        });
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(DISTINCT u.id) FROM users u
            JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
            WHERE r.name = 'admin'
            """, connection);
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(1L));
    }

    [Test]
    public async Task The_admin_can_sign_in_and_holds_the_admin_role()
    {
        var database = await TestDatabase.CreateAsync("admin");
        var created = await ServiceProcess.RunAsync(database, null,
            "create-admin", "--username", "root", "--email", "root@example.com", "--password", "correct-horse-1");
        Assert.That(created.ExitCode, Is.Zero, created.Output);

        await using var app = new TaskManagerApp(database);
        using var client = app.CreateClient();
        var login = await client.PostAsync("/api/login", new StringContent(
            """{"username":"root","password":"correct-horse-1"}""", System.Text.Encoding.UTF8, "application/json"));
        var token = System.Text.Json.Nodes.JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users");
        request.Headers.Authorization = new("Bearer", token);
        var users = await client.SendAsync(request);

        Assert.That(users.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
    }

    [Test]
    public async Task Invalid_arguments_are_refused_with_a_reason()
    {
        var database = await TestDatabase.CreateAsync("admin");

        var missing = await ServiceProcess.RunAsync(database, null, "create-admin", "--username", "root");
        var weak = await ServiceProcess.RunAsync(database, null,
            "create-admin", "--username", "root", "--email", "root@example.com", "--password", "short");

        Assert.Multiple(() =>
        {
            Assert.That(missing.ExitCode, Is.Not.Zero);
            Assert.That(missing.Output, Does.Contain("--email"));
            Assert.That(weak.ExitCode, Is.Not.Zero);
            Assert.That(weak.Output, Does.Contain("Password must be 8 to 128 characters"));
        });
    }
}
