using System.Text.Json;
using Dapper;
using FluentValidation;
using MassTransit;
using Npgsql;

using TaskManager.Infrastructure.Messaging;

namespace TaskManager.Features.Tasks.RecordAuditEntry;

/// <summary>An incoming TaskChanged is input like any other: checked before it is written.</summary>
public sealed class TaskChangedValidator : AbstractValidator<TaskChanged>
{
    public TaskChangedValidator()
    {
        RuleFor(m => m.TaskId).GreaterThan(0);
        RuleFor(m => m.Action).Must(a => TaskActions.All.Contains(a)).WithMessage("action must be one of: " + string.Join(", ", TaskActions.All));
        RuleFor(m => m.Changes.ValueKind).Equal(JsonValueKind.Object).WithMessage("changes must be a JSON object.");
        RuleFor(m => m.ChangedAt).NotEqual(default(DateTime));
    }
}

/// <summary>Writes one audit entry per TaskChanged, idempotently by message id: a redelivered message
/// writes nothing more.</summary>
public sealed class RecordAuditEntryConsumer(NpgsqlDataSource db, IValidator<TaskChanged> validator) : IConsumer<TaskChanged>
{
    private const string Sql = """
        INSERT INTO task_audit (message_id, task_id, action, changes, previous_status, new_status, modified_by, modified_by_username, changed_at)
        VALUES (@MessageId, @TaskId, @Action, @Changes::jsonb, @PreviousStatus, @NewStatus, @ModifiedBy, @ModifiedByUsername, @ChangedAt)
        ON CONFLICT (message_id) DO NOTHING
        """;

    public async Task Consume(ConsumeContext<TaskChanged> context)
    {
        var message = context.Message;
        if (context.MessageId is not { } messageId)
        {
            throw new ValidationException("A TaskChanged message must carry a message id (it is the audit entry's idempotency key).");
        }
        await validator.ValidateAndThrowAsync(message, context.CancellationToken);

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            MessageId = messageId,
            message.TaskId,
            message.Action,
            Changes = message.Changes.GetRawText(),
            message.PreviousStatus,
            message.NewStatus,
            message.ModifiedBy,
            message.ModifiedByUsername,
            ChangedAt = DateTime.SpecifyKind(message.ChangedAt, DateTimeKind.Utc),
        }, cancellationToken: context.CancellationToken));
    }
}

public sealed class RecordAuditEntryConsumerDefinition : ConsumerDefinition<RecordAuditEntryConsumer>
{
    public RecordAuditEntryConsumerDefinition() => EndpointName = "record-audit-entry";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<RecordAuditEntryConsumer> consumer,
        IRegistrationContext context) => endpoint.UseConsumerRetry();
}
