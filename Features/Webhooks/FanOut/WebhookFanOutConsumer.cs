using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using TaskManager.Features.Comments;
using TaskManager.Features.Imports;
using TaskManager.Features.Imports.GetImport;
using TaskManager.Features.Labels;
using TaskManager.Features.TaskLog;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Messaging;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.Webhooks.FanOut;

/// <summary>Turns each event from the outbox into one delivery per active subscription that lists its type. Idempotent
/// by message id: the (subscription, event) pair is unique, so a redelivered event queues nothing more.</summary>
public sealed class WebhookFanOutConsumer(NpgsqlDataSource db, IMediator mediator, IValidator<TaskChanged> validator,
    IValidator<CommentChanged> commentValidator)
    : IConsumer<TaskChanged>, IConsumer<TasksImportCompleted>, IConsumer<TaskLogSnapshotTaken>, IConsumer<ProjectChanged>, IConsumer<LabelChanged>,
      IConsumer<CommentChanged>
{
    private const string AnySql = "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active AND events @> ARRAY[@Type])";

    // An event of a project goes to the subscriptions that name it or none, and whose creator may read it now (and again
    // when it is delivered: the dispatcher drops a delivery its creator may no longer read).
    private static readonly string Sql = $"""
        INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, project_id, next_attempt_at)
        SELECT s.id, @EventId, @Type, @Body, @ProjectId, now() FROM webhook_subscriptions s
        WHERE s.active AND s.events @> ARRAY[@Type] AND (s.project_id IS NULL OR s.project_id = @ProjectId)
          AND (@ProjectId::bigint IS NULL OR EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId AND {ProjectAccess.ReadableBy("s.created_by")})
               OR (@ProjectEvent AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId)
                   AND (@WasPublic OR s.created_by = ANY(@Readers) OR {ProjectAccess.IsAdmin("s.created_by")})))
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
        await FanOutAsync(context, type, message.ProjectIdOrDefault(), message.ChangedAt, message.ChangePosition, () =>
        {
            var data = message.Task is { ValueKind: JsonValueKind.Object } task ? JsonNode.Parse(task.GetRawText())!.AsObject() : new JsonObject { ["id"] = message.TaskId };
            data["changes"] = JsonNode.Parse(message.Changes.GetRawText());
            return Task.FromResult<(JsonNode?, long?)>((data, null));
        });
    }

    public Task Consume(ConsumeContext<TasksImportCompleted> context) =>
        FanOutAsync(context, WebhookEvents.ImportCompleted, null, context.Message.FinishedAt, null, async () =>
        {
            var import = await mediator.Send(new GetImportQuery(context.Message.ImportId, 0, CallerIsAdmin: true), context.CancellationToken);
            return (JsonSerializer.SerializeToNode(import.Value, OutboxMessageTypes.Json), import.Value?.ProjectId);
        });

    public Task Consume(ConsumeContext<TaskLogSnapshotTaken> context) =>
        FanOutAsync(context, WebhookEvents.SnapshotTaken, null, context.Message.TakenAt, null, () => Task.FromResult<(JsonNode?, long?)>((new JsonObject
        {
            ["log_date"] = context.Message.LogDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["rows"] = context.Message.Rows,
        }, null)));

    public Task Consume(ConsumeContext<ProjectChanged> context)
    {
        var message = context.Message;
        var type = message.Action switch
        {
            ProjectActions.Created => WebhookEvents.ProjectCreated,
            ProjectActions.Updated => WebhookEvents.ProjectUpdated,
            ProjectActions.Deleted => WebhookEvents.ProjectDeleted,
            ProjectActions.MemberAdded => WebhookEvents.ProjectMemberAdded,
            ProjectActions.MemberChanged => WebhookEvents.ProjectMemberChanged,
            _ => WebhookEvents.ProjectMemberRemoved,
        };
        // A project deleted by now cannot be asked who reads it: the event says who could, when it was made.
        var readers = new ProjectReaders(message.Project.TryGetProperty("visibility", out var v) && v.GetString() == "public", message.Readers ?? []);
        return FanOutAsync(context, type, message.ProjectId, message.ChangedAt, message.ChangePosition, () =>
        {
            var data = JsonNode.Parse(message.Project.GetRawText())!.AsObject();
            if (message.Member is { ValueKind: JsonValueKind.Object } member)
            {
                data["member"] = JsonNode.Parse(member.GetRawText());
            }
            return Task.FromResult<(JsonNode?, long?)>((data, null));
        }, readers);
    }

    public Task Consume(ConsumeContext<LabelChanged> context)
    {
        var message = context.Message;
        var type = message.Action switch
        {
            LabelActions.Created => WebhookEvents.LabelCreated,
            LabelActions.Updated => WebhookEvents.LabelUpdated,
            _ => WebhookEvents.LabelDeleted,
        };
        return FanOutAsync(context, type, message.ProjectId, message.ChangedAt, message.ChangePosition,
            () => Task.FromResult<(JsonNode?, long?)>((JsonNode.Parse(message.Label.GetRawText()), null)));
    }

    /// <summary>A comment's events are its task's project's: heard by those who may read that project.</summary>
    public async Task Consume(ConsumeContext<CommentChanged> context)
    {
        var message = context.Message;
        await commentValidator.ValidateAndThrowAsync(message, context.CancellationToken);
        var type = message.Action switch
        {
            CommentEvents.Created => WebhookEvents.CommentCreated,
            CommentEvents.Updated => WebhookEvents.CommentUpdated,
            _ => WebhookEvents.CommentDeleted,
        };
        await FanOutAsync(context, type, message.ProjectId, message.ChangedAt, message.ChangePosition,
            () => Task.FromResult<(JsonNode?, long?)>((JsonNode.Parse(message.Comment.GetRawText()), null)));
    }

    private sealed record ProjectReaders(bool WasPublic, long[] Readers);

    /// <summary>The event's project is <paramref name="project"/>, or the one its data names once built (an import's).</summary>
    private async Task FanOutAsync(ConsumeContext context, string type, long? project, DateTime timestamp, string? position, Func<Task<(JsonNode? Data, long? Project)>> data,
        ProjectReaders? readers = null)
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
        var (payload, named) = await data();
        var body = WebhookPayload.Build(type, timestamp, payload, position);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            EventId = eventId,
            Type = type,
            Body = body,
            ProjectId = project ?? named,
            ProjectEvent = readers is not null,
            WasPublic = readers?.WasPublic ?? false,
            Readers = readers?.Readers ?? [],
        },
            cancellationToken: context.CancellationToken));
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
