using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Imports;

/// <summary>Another system publishes ImportTasksCsv as plain JSON (no MassTransit envelope) to the
/// import-tasks-csv queue of a real RabbitMQ, and hears TasksImportCompleted.</summary>
public sealed class ImportFromMessageTests
{
    private const string Csv = "task_name,description,status,priority,created_at,assigned_user\nOne,,TRUE,LOW,,\nTwo,,no,high,4/1/2025,\nBad,,TRUE,URGENT,,\n";

    [Test]
    public async Task A_plain_JSON_message_imports_once_and_announces_the_outcome()
    {
        var database = await TestDatabase.CreateAsync("message");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var app = await new TaskManagerApp(database, rabbit).ReadyAsync();
        await Sql.ScalarAsync<long>(database, "INSERT INTO users (username, email, password_hash) VALUES ('feeder', 'feeder@example.com', 'x') RETURNING id");

        await using var connection = await Connect(rabbit).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // Listen for the outcome the way another system would: a queue of its own on the event's exchange.
        await channel.ExchangeDeclareAsync("taskmanager.tasks-import-completed", ExchangeType.Fanout, durable: true);
        var listener = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(listener, "taskmanager.tasks-import-completed", "");

        var importId = Guid.NewGuid();
        var message = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["import_id"] = importId,
            ["requested_by"] = "feeder",
            ["file_name"] = "feed.csv",
            ["csv_content"] = Csv,
        });
        var properties = new BasicProperties { ContentType = "application/json", Persistent = true };
        await WaitForQueueAsync(connection, "import-tasks-csv");
        await channel.BasicPublishAsync("", "import-tasks-csv", false, properties, message);

        var created = await Eventually.ReadAsync(() => Sql.ScalarAsync<string>(database,
            "SELECT coalesce((SELECT status FROM imports WHERE id = @id), 'none')", ("id", importId)),
            s => s is "succeeded" or "partially_succeeded" or "failed", TimeSpan.FromSeconds(30));
        var completed = await Eventually.ReadAsync(async () => await channel.BasicGetAsync(listener, autoAck: true), m => m is not null, TimeSpan.FromSeconds(15));

        // The same message again: idempotent by import_id.
        await channel.BasicPublishAsync("", "import-tasks-csv", false, properties, message);
        await Task.Delay(1_500);

        Assert.Multiple(async () =>
        {
            Assert.That(created, Is.EqualTo("partially_succeeded"));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM tasks WHERE import_id = @id", ("id", importId)), Is.EqualTo(2));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM import_errors WHERE import_id = @id", ("id", importId)), Is.EqualTo(1));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM imports"), Is.EqualTo(1));
            Assert.That(completed, Is.Not.Null, "TasksImportCompleted was published");
            var outcome = JsonDocument.Parse(completed!.Body).RootElement.GetProperty("message");
            Assert.That(outcome.GetProperty("importId").GetGuid(), Is.EqualTo(importId));
            Assert.That(outcome.GetProperty("tasksCreated").GetInt64(), Is.EqualTo(2));
            Assert.That(outcome.GetProperty("rowsFailed").GetInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_message_for_an_unknown_user_goes_to_the_error_queue()
    {
        var database = await TestDatabase.CreateAsync("message");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var app = await new TaskManagerApp(database, rabbit).ReadyAsync();
        await using var connection = await Connect(rabbit).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        var message = Encoding.UTF8.GetBytes($$"""{"import_id":"{{Guid.NewGuid()}}","requested_by":"ghost","file_name":"x.csv","csv_content":"{{Csv.Replace("\n", "\\n")}}"}""");
        await WaitForQueueAsync(connection, "import-tasks-csv");
        await channel.BasicPublishAsync("", "import-tasks-csv", false, new BasicProperties { ContentType = "application/json" }, message);

        var inError = await Eventually.ReadAsync(() => MessagesInAsync(connection, "import-tasks-csv_error"), n => n == 1, TimeSpan.FromSeconds(20));

        Assert.That(inError, Is.EqualTo(1));
        Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM imports"), Is.Zero);
    }

    [Test]
    public async Task A_message_lands_its_rows_in_the_project_it_names_when_its_user_may_create_there_and_nowhere_otherwise()
    {
        var database = await TestDatabase.CreateAsync("message");
        var rabbit = await TestRabbitMq.SettingsAsync();
        await using var app = await new TaskManagerApp(database, rabbit).ReadyAsync();
        var feeder = await Sql.ScalarAsync<long>(database, "INSERT INTO users (username, email, password_hash) VALUES ('feeder', 'feeder@example.com', 'x') RETURNING id");
        var team = await Sql.ScalarAsync<long>(database, "INSERT INTO projects (name) VALUES ('Team') RETURNING id");
        var closed = await Sql.ScalarAsync<long>(database, "INSERT INTO projects (name) VALUES ('Closed') RETURNING id");
        await Sql.ExecuteAsync(database, "INSERT INTO project_members (project_id, user_id, role) VALUES (@t, @u, 'editor'), (@c, @u, 'viewer')",
            ("t", team), ("c", closed), ("u", feeder));
        await using var connection = await Connect(rabbit).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await WaitForQueueAsync(connection, "import-tasks-csv");

        var (landing, refused) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var (id, project) in new[] { (landing, team), (refused, closed) })
        {
            await channel.BasicPublishAsync("", "import-tasks-csv", false, new BasicProperties { ContentType = "application/json" }, Encoding.UTF8.GetBytes(
                $$"""{"import_id":"{{id}}","requested_by":"feeder","project_id":{{project}},"csv_content":"{{Csv.Replace("\n", "\\n")}}"}"""));
        }
        var status = await Eventually.ReadAsync(() => Sql.ScalarAsync<string>(database,
            "SELECT coalesce((SELECT status FROM imports WHERE id = @id), 'none')", ("id", landing)), s => s == "partially_succeeded", TimeSpan.FromSeconds(30));
        var inError = await Eventually.ReadAsync(() => MessagesInAsync(connection, "import-tasks-csv_error"), n => n == 1, TimeSpan.FromSeconds(20));

        Assert.Multiple(async () =>
        {
            Assert.That(status, Is.EqualTo("partially_succeeded"));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM tasks WHERE project_id = @p", ("p", team)), Is.EqualTo(2));
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM task_audit WHERE project_id = @p", ("p", team)), Is.EqualTo(2),
                "their audit entries are recorded in the project");
            Assert.That(inError, Is.EqualTo(1), "a viewer's import goes to the error queue");
            Assert.That(await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM imports WHERE id = @id", ("id", refused)), Is.Zero);
        });
    }

    /// <summary>The service declares its queues as its bus starts; a message sent to a queue that does not exist yet is dropped.</summary>
    private static Task WaitForQueueAsync(IConnection connection, string queue) =>
        Eventually.ReadAsync(() => MessagesInAsync(connection, queue, missing: -1), n => n >= 0, TimeSpan.FromSeconds(20));

    /// <summary>How many messages wait in a queue; a passive declare of a missing queue closes its channel, so each look has its own.</summary>
    private static async Task<long> MessagesInAsync(IConnection connection, string queue, long missing = 0)
    {
        await using var probe = await connection.CreateChannelAsync();
        try
        {
            return (await probe.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return missing;
        }
    }

    private static ConnectionFactory Connect(Dictionary<string, string?> rabbit) => new()
    {
        HostName = rabbit["RabbitMq:Host"]!,
        Port = int.Parse(rabbit["RabbitMq:Port"]!, System.Globalization.CultureInfo.InvariantCulture),
        VirtualHost = rabbit["RabbitMq:VirtualHost"]!,
        UserName = rabbit["RabbitMq:Username"]!,
        Password = rabbit["RabbitMq:Password"]!,
    };
}
