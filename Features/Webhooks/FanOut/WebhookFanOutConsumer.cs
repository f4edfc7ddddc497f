using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FluentValidation;
using MassTransit;
using Mediator;
using Npgsql;
using TaskManager.Features.Imports;
using TaskManager.Features.Imports.GetImport;
using TaskManager.Features.TaskLog;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Messaging;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Webhooks.FanOut;

/// <summary>Turns each event from the outbox into one delivery per active subscription that lists its type. Idempotent
/// by message id: the (subscription, event) pair is unique, so a redelivered event queues nothing more.</summary>
public sealed class WebhookFanOutConsumer(NpgsqlDataSource db, IMediator mediator, IValidator<TaskChanged> validator)
    : IConsumer<TaskChanged>, IConsumer<TasksImportCompleted>, IConsumer<TaskLogSnapshotTaken>
{
    private const string AnySql = "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active AND events @> ARRAY[@Type])";

    private const string Sql = """
        INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, next_attempt_at)
        SELECT id, @EventId, @Type, @Body, now() FROM webhook_subscriptions WHERE active AND events @> ARRAY[@Type]
        ON CONFLICT (subscription_id, event_id) DO NOTHING
        """;

    public async Task Consume(ConsumeContext<TaskChanged> context)
    {
        var message = context.Message;
        await validator.ValidateAndThrowAsync(message, context.CancellationToken);
        var type = message.Action switch
        {
            TaskActions.Created => WebhookEvents.TaskCreated,
            TaskActions.Updated => WebhookEvents.TaskUpdated,
            TaskActions.Deleted => WebhookEvents.TaskDeleted,
            TaskActions.Restored => WebhookEvents.TaskRestored,
            TaskActions.Purged => WebhookEvents.TaskPurged,
            _ => null, // imported rows are announced once, by import.completed
        };
        if (type is null)
        {
            return;
        }
        await FanOutAsync(context, type, message.ChangedAt, () =>
        {
            var data = message.Task is { ValueKind: JsonValueKind.Object } task ? JsonNode.Parse(task.GetRawText())!.AsObject() : new JsonObject { ["id"] = message.TaskId };
            data["changes"] = JsonNode.Parse(message.Changes.GetRawText());
            return Task.FromResult<JsonNode?>(data);
        });
    }

    public Task Consume(ConsumeContext<TasksImportCompleted> context) =>
        FanOutAsync(context, WebhookEvents.ImportCompleted, context.Message.FinishedAt, async () =>
        {
            var import = await mediator.Send(new GetImportQuery(context.Message.ImportId, 0, IsAdmin: true), context.CancellationToken);
            return JsonSerializer.SerializeToNode(import.Value, OutboxMessageTypes.Json);
        });

    public Task Consume(ConsumeContext<TaskLogSnapshotTaken> context) =>
        FanOutAsync(context, WebhookEvents.SnapshotTaken, context.Message.TakenAt, () => Task.FromResult<JsonNode?>(new JsonObject
        {
            ["log_date"] = context.Message.LogDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["rows"] = context.Message.Rows,
        }));

    private async Task FanOutAsync(ConsumeContext context, string type, DateTime timestamp, Func<Task<JsonNode?>> data)
    {
        if (context.MessageId is not { } eventId)
        {
            throw new ValidationException("An event must carry a message id (it keys its webhook deliveries).");
        }
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(AnySql, new { Type = type }, cancellationToken: context.CancellationToken)))
        {
            return;
        }
        var body = WebhookPayload.Build(type, timestamp, await data());
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { EventId = eventId, Type = type, Body = body }, cancellationToken: context.CancellationToken));
    }
}

public sealed class WebhookFanOutConsumerDefinition : ConsumerDefinition<WebhookFanOutConsumer>
{
    public WebhookFanOutConsumerDefinition()
    {
        EndpointName = "webhook-fan-out";
        // Each event is a short insert and a commit: many at once let PostgreSQL commit them together, so deliveries
        // keep pace with the API's writes instead of queueing behind one commit at a time.
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<WebhookFanOutConsumer> consumer,
        IRegistrationContext context) => endpoint.UseConsumerRetry();
}
