using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Messaging;

/// <summary>With RabbitMq:QuorumQueues the service's queues are quorum queues, and every message path works on them.</summary>
[NonParallelizable]
public sealed class QuorumQueuesTests
{
    [Test]
    public async Task Audit_import_and_snapshot_all_run_over_quorum_queues()
    {
        var database = await TestDatabase.CreateAsync("quorum");
        var settings = await TestRabbitMq.SettingsAsync();
        settings["RabbitMq:QuorumQueues"] = "true";
        await using var app = await new TaskManagerApp(database, settings).ReadyAsync();
        var api = await SignedInClient.SignUpAsync(app, "writer");
        await Sql.ExecuteAsync(database, "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = 'writer' AND r.name = 'admin'");
        var admin = api with { Token = TestTokens.For(await Sql.ScalarAsync<long>(database, "SELECT id FROM users WHERE username = 'writer'"), "writer", ["user", "admin"]) };

        await api.CreateTaskAsync("over a quorum queue");
        var upload = await CsvUploads.UploadAsync(api.Client, api.Token, CsvUploads.Form("task_name,priority\nImported,LOW\n"));
        var importId = System.Text.Json.Nodes.JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["import_id"]!.GetValue<string>();
        var import = await CsvUploads.FinishedAsync(api.Client, api.Token, importId);
        var snapshot = await admin.SendAsync(HttpMethod.Post, "/api/task-log/snapshot");
        var audited = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_audit"), n => n >= 2);
        var snapshots = await Eventually.ReadAsync(() => Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_log_snapshots"), n => n >= 1);
        var queues = await TestRabbitMq.ServicesAsync("rabbitmqctl", "list_queues", "-q", "-p", settings["RabbitMq:VirtualHost"]!, "name", "type");
        var consumerQueues = queues.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', StringSplitOptions.TrimEntries))
            .Where(q => q.Length == 2 && q[0] is "start-import" or "import-tasks-csv" or "record-audit-entry" or "take-task-log-snapshot")
            .ToDictionary(q => q[0], q => q[1]);

        Assert.Multiple(() =>
        {
            Assert.That(import["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(snapshot.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(audited, Is.GreaterThanOrEqualTo(2), "the created task and the imported one");
            Assert.That(snapshots, Is.GreaterThanOrEqualTo(1));
            Assert.That(consumerQueues, Has.Count.EqualTo(4), queues);
            Assert.That(consumerQueues.Values, Is.All.EqualTo("quorum"), queues);
        });
    }
}
