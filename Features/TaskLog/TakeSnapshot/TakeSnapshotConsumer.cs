using MassTransit;

using TaskManager.Infrastructure.Messaging;

namespace TaskManager.Features.TaskLog.TakeSnapshot;

/// <summary>Runs a requested daily snapshot on a worker.</summary>
public sealed class TakeSnapshotConsumer(IMediator mediator) : IConsumer<TakeTaskLogSnapshot>
{
    public async Task Consume(ConsumeContext<TakeTaskLogSnapshot> context) =>
        await mediator.Send(new TakeSnapshotCommand(context.Message.LogDate), context.CancellationToken);
}

public sealed class TakeSnapshotConsumerDefinition : ConsumerDefinition<TakeSnapshotConsumer>
{
    public TakeSnapshotConsumerDefinition()
    {
        EndpointName = "take-task-log-snapshot";
        // One snapshot at a time per worker; another worker's concurrent run is safe but pointless.
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TakeSnapshotConsumer> consumer,
        IRegistrationContext context) =>
        endpoint.UseConsumerRetry();
}
