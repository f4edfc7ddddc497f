using System.Text.Json;
using FluentValidation.Results;
using MassTransit;

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

/// <summary>Refuses an invalid TaskChanged on its own, before it joins a batch: it faults to the _error queue, unretried,
/// and the valid messages around it are written as if it had never come.</summary>
public sealed class ValidTaskChangedFilter(IValidator<TaskChanged> validator) : IFilter<ConsumeContext<TaskChanged>>
{
    public async Task Send(ConsumeContext<TaskChanged> context, IPipe<ConsumeContext<TaskChanged>> next)
    {
        var result = context.MessageId is null
            ? new FluentValidation.Results.ValidationResult([new ValidationFailure("message_id", "A TaskChanged message must carry a message id (it is the audit entry's idempotency key).")])
            : await validator.ValidateAsync(context.Message, context.CancellationToken);
        if (!result.IsValid)
        {
            var refused = new ValidationException(result.Errors);
            // A consumer's fault is announced as Fault<TaskChanged>; a filter's is not unless it says so.
            await context.NotifyFaulted(TimeSpan.Zero, nameof(RecordAuditEntryConsumer), refused);
            throw refused;
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("valid-task-changed");
}

/// <summary>Writes the audit entries of a batch of TaskChanged in one statement and one commit (a commit per entry
/// made the worker's fsyncs the write path's bound); idempotent by message id, so a redelivered batch writes nothing
/// more.</summary>
public sealed class RecordAuditEntryConsumer(NpgsqlDataSource db) : IConsumer<Batch<TaskChanged>>
{
    private const string Sql = """
        INSERT INTO task_audit (message_id, task_id, action, changes, previous_status, new_status, modified_by, modified_by_username, changed_at,
                                project_id)
        SELECT * FROM unnest(@MessageIds, @TaskIds, @Actions, @Changes::jsonb[], @PreviousStatuses, @NewStatuses, @ModifiedBys,
                             @ModifiedByUsernames, @ChangedAts, @ProjectIds)
        ON CONFLICT (message_id) DO NOTHING
        """;

    public async Task Consume(ConsumeContext<Batch<TaskChanged>> context)
    {
        var batch = context.Message;
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            MessageIds = batch.Select(m => m.MessageId!.Value).ToArray(),
            TaskIds = batch.Select(m => m.Message.TaskId).ToArray(),
            Actions = batch.Select(m => m.Message.Action).ToArray(),
            Changes = batch.Select(m => m.Message.Changes.GetRawText()).ToArray(),
            PreviousStatuses = batch.Select(m => m.Message.PreviousStatus).ToArray(),
            NewStatuses = batch.Select(m => m.Message.NewStatus).ToArray(),
            ModifiedBys = batch.Select(m => m.Message.ModifiedBy).ToArray(),
            ModifiedByUsernames = batch.Select(m => m.Message.ModifiedByUsername).ToArray(),
            ChangedAts = batch.Select(m => DateTime.SpecifyKind(m.Message.ChangedAt, DateTimeKind.Utc)).ToArray(),
            ProjectIds = batch.Select(m => m.Message.ProjectIdOrDefault()).ToArray(),
        }, cancellationToken: context.CancellationToken));
    }
}

public sealed class RecordAuditEntryConsumerDefinition : ConsumerDefinition<RecordAuditEntryConsumer>
{
    // Enough messages in flight to fill a batch; a short wait, so a lone change's entry is not held back.
    private const int BatchSize = 100;

    public RecordAuditEntryConsumerDefinition() => EndpointName = "record-audit-entry";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<RecordAuditEntryConsumer> consumer,
        IRegistrationContext context)
    {
        endpoint.PrefetchCount = BatchSize * 2;
        endpoint.UseConsumerRetry();
        endpoint.UseFilter(new ValidTaskChangedFilter(context.GetRequiredService<IValidator<TaskChanged>>()));
        consumer.Options<BatchOptions>(o => o.SetMessageLimit(BatchSize).SetTimeLimit(TimeSpan.FromMilliseconds(20)).SetConcurrencyLimit(2));
    }
}
