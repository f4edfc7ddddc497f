using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using TaskManager.Features.Tasks;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>The audit consumer's own logic, on MassTransit's test harness and a real database.</summary>
public sealed class RecordAuditEntryTests
{
    private TaskManagerApp app = null!;
    private ITestHarness harness = null!;
    private DeliveryCounter deliveries = null!;

    [SetUp]
    public async Task StartAsync()
    {
        // Role all: the harness's in-memory bus stands in for a broker, which roles api and worker refuse to start without.
        app = new TaskManagerApp(await TestDatabase.CreateAsync("audit"), new Dictionary<string, string?> { ["Role"] = "all" })
        {
            TestServices = services => services.AddMassTransitTestHarness(),
        };
        harness = app.Services.GetTestHarness();
        harness.TestInactivityTimeout = TimeSpan.FromMilliseconds(500);
        await harness.Start();
        deliveries = new DeliveryCounter();
        harness.Bus.ConnectConsumeObserver(deliveries);
    }

    [TearDown]
    public async Task StopAsync() => await app.DisposeAsync();

    [Test]
    public async Task A_message_delivered_twice_writes_one_entry()
    {
        var messageId = NewId.NextGuid();
        var message = Valid(taskId: 7);

        await harness.Bus.Publish(message, context => context.MessageId = messageId);
        await harness.Bus.Publish(message, context => context.MessageId = messageId);

        await harness.InactivityTask;
        Assert.That(deliveries.Count, Is.EqualTo(2), "both deliveries were consumed");
        Assert.That(await CountAsync(7), Is.EqualTo(1));
    }

    [Test]
    public async Task Distinct_messages_write_distinct_entries()
    {
        await harness.Bus.Publish(Valid(taskId: 8));
        await harness.Bus.Publish(Valid(taskId: 8) with { Action = TaskActions.Updated });

        await harness.InactivityTask;
        Assert.That(await CountAsync(8), Is.EqualTo(2));
    }

    [TestCase(0, "created", TestName = "A_message_without_a_task_id_is_refused")]
    [TestCase(9, "exploded", TestName = "A_message_with_an_unknown_action_is_refused")]
    public async Task An_invalid_message_faults_without_retries_and_writes_nothing(long taskId, string action)
    {
        await harness.Bus.Publish(Valid(taskId) with { Action = action });
        await harness.Bus.Publish(Valid(taskId: 10));
        await harness.InactivityTask;

        Assert.Multiple(async () =>
        {
            Assert.That(await harness.Published.Any<Fault<TaskChanged>>(), Is.True, "the invalid message faulted (to the error queue)");
            Assert.That(await harness.Consumed.SelectAsync<TaskChanged>(m => m.Context.Message.TaskId == 10).Any(), Is.True);
            Assert.That(await CountAsync(10), Is.EqualTo(1), "the next message is still recorded");
            Assert.That(await CountAsync(taskId), Is.Zero);
        });
        var fault = harness.Published.Select<Fault<TaskChanged>>().First();
        Assert.Multiple(() =>
        {
            Assert.That(fault.Context.Message.Exceptions[0].ExceptionType, Does.Contain("ValidationException"));
            Assert.That(deliveries.Count, Is.EqualTo(2), "each message consumed once: the invalid one was not retried");
        });
    }

    [Test]
    public async Task An_invalid_message_among_many_valid_ones_takes_none_of_them_with_it()
    {
        for (var i = 0; i < 60; i++)
        {
            await harness.Bus.Publish(i == 30 ? Valid(taskId: 11) with { Action = "exploded" } : Valid(taskId: 12));
        }
        await harness.InactivityTask;

        Assert.Multiple(async () =>
        {
            Assert.That(await CountAsync(12), Is.EqualTo(59), "every valid message is recorded");
            Assert.That(await CountAsync(11), Is.Zero);
            // Every consumer of the event (the audit trail, the webhook fan-out) refuses it: faults concern it alone.
            Assert.That(harness.Published.Select<Fault<TaskChanged>>().Select(f => f.Context.Message.Message.TaskId).Distinct(),
                Is.EqualTo(new[] { 11L }), "only the invalid one faulted");
        });
    }

    private static TaskChanged Valid(long taskId) => new()
    {
        TaskId = taskId,
        Action = TaskActions.Created,
        Changes = JsonDocument.Parse("""{"task_name":{"old":null,"new":"x"}}""").RootElement,
        NewStatus = true,
        ModifiedBy = 1,
        ModifiedByUsername = "someone",
        ChangedAt = DateTime.UtcNow,
    };

    private Task<long> CountAsync(long taskId) =>
        Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM task_audit WHERE task_id = @id", ("id", taskId));

    /// <summary>Counts the audit consumer's consume attempts (the harness's own lists key messages by id, so they hide a
    /// redelivery; other consumers of TaskChanged, such as the webhook fan-out, are not counted).</summary>
    private sealed class DeliveryCounter : IConsumeObserver
    {
        private int count;

        public int Count => count;

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.ReceiveContext.InputAddress.AbsolutePath.EndsWith("/record-audit-entry", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref count);
            }
            return Task.CompletedTask;
        }

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
