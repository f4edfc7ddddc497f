using MassTransit;
using TaskManager.Infrastructure.Hosting;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Infrastructure.Messaging;

public static class MessagingExtensions
{
    /// <summary>MassTransit over RabbitMQ when RabbitMq:Host is set, else in memory (role all only). Workers host the consumers;
    /// every role runs an outbox relay (whoever commits an event can publish it, and several relays share the work).</summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, Action<OutboxMessageTypes> registerMessages)
    {
        var services = builder.Services;
        var role = builder.Configuration.ReadProcessRole();
        // The in-memory bus reaches only its own process: an api's relay would mark the shared database's events as sent
        // with no consumer to get them, and a worker would hear nothing. Only `all` (development, tests) may go without.
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Enabled || role == ProcessRole.All,
                $"Role {role.ToString().ToLowerInvariant()} needs a broker: RabbitMq:Host (RabbitMq__Host) is not set. " +
                "Only role all may run without one, on the in-memory bus.")
            .ValidateOnStart();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var types = new OutboxMessageTypes();
        registerMessages(types);
        services.AddSingleton(types);
        services.AddSingleton<Outbox.OutboxWriter>();
        services.AddHostedService<OutboxRelay>();

        // A worker reports started only once its queues exist: a message published to an exchange before its
        // queue is bound would be lost, so whoever deploys can wait for the workers before opening the API.
        // The API (and `all`) does not wait, so it serves while the broker is away or still starting.
        // Stopping lets running consumers finish for Shutdown:ConsumerDrainSeconds, then cancels them (an import
        // stops after its last committed batch and resumes on the next worker), all within Shutdown:TimeoutSeconds.
        services.AddOptions<MassTransitHostOptions>().Configure<IOptions<ShutdownOptions>>((o, shutdown) =>
        {
            o.WaitUntilStarted = role == ProcessRole.Worker;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(shutdown.Value.TimeoutSeconds);
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(shutdown.Value.ConsumerDrainSeconds);
        });

        var rabbit = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // A service does not call third parties it was not configured to call (MassTransit reports usage by default).
            bus.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            if (role.RunsWorker())
            {
                bus.AddConsumers(typeof(Program).Assembly);
            }
            if (rabbit.Enabled)
            {
                if (rabbit.QuorumQueues)
                {
                    bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
                    {
                        if (endpoint is IRabbitMqReceiveEndpointConfigurator queue)
                        {
                            queue.SetQuorumQueue();
                        }
                    });
                }
                bus.UsingRabbitMq((context, transport) =>
                {
                    var settings = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                    transport.Host(settings.Host, (ushort)settings.Port, settings.VirtualHost, host =>
                    {
                        host.Username(settings.Username);
                        host.Password(settings.Password);
                        host.PublisherConfirmation = true;
                    });
                    transport.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, transport) => transport.ConfigureEndpoints(context));
            }
        });
        return builder;
    }
}
