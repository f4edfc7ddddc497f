using MassTransit;
using TaskManager.Infrastructure.Messaging;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Runs (or resumes) the import a StartImport names. When the last retry fails too, the import ends as
/// failed rather than staying running and holding one of its user's import slots.</summary>
public sealed class StartImportConsumer(ImportRunner runner, ILogger<StartImportConsumer> logger) : IConsumer<StartImport>
{
    public async Task Consume(ConsumeContext<StartImport> context)
    {
        try
        {
            await runner.RunAsync(context.Message.ImportId, context.CancellationToken);
        }
        catch (Exception ex) when (context.IsLastAttempt() && !context.CancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Import {ImportId} failed on its last retry", context.Message.ImportId);
            await runner.GiveUpAsync(context.Message.ImportId, "The import could not go on after several retries; rows committed before stay.",
                context.CancellationToken);
        }
    }
}

public sealed class StartImportConsumerDefinition : ConsumerDefinition<StartImportConsumer>
{
    public StartImportConsumerDefinition()
    {
        EndpointName = "start-import";
        // Imports are long and heavy: a few at a time per worker; more workers import more at once.
        ConcurrentMessageLimit = 2;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<StartImportConsumer> consumer,
        IRegistrationContext context) =>
        // A retry resumes from the last checkpoint, so retrying a transient failure costs at most one batch.
        endpoint.UseConsumerRetry();
}
