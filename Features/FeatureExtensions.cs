using TaskManager.Features.Accounts;
using TaskManager.Features.Batch;
using TaskManager.Features.Changes;
using TaskManager.Features.Comments;
using TaskManager.Features.Imports;
using TaskManager.Features.Labels;
using TaskManager.Features.TaskLog;
using TaskManager.Features.Tasks;
using TaskManager.Features.Tokens;
using TaskManager.Features.Webhooks;
using TaskManager.Infrastructure.Messaging;

namespace TaskManager.Features;

public static class FeatureExtensions
{
    public static IHostApplicationBuilder AddFeatures(this IHostApplicationBuilder builder)
    {
        // Handlers take only singletons (the data source, options, caches), so they and the mediator are singletons
        // too: a scoped mediator resolved each handler through the request's scope and its lock, on every request.
        builder.Services.AddMediator(o => o.ServiceLifetime = ServiceLifetime.Singleton);
        // Validators are stateless; singletons let the validation filter resolve them once at start-up.
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);

        builder.AddMessaging(messages => messages
            .Add<TaskChanged>("task-changed")
            .Add<TakeTaskLogSnapshot>("take-task-log-snapshot")
            .Add<StartImport>("start-import")
            .Add<TasksImportCompleted>("tasks-import-completed")
            .Add<TaskLogSnapshotTaken>("task-log-snapshot-taken")
            .Add<ProjectChanged>("project-changed")
            .Add<LabelChanged>("label-changed")
            .Add<CommentChanged>(CommentEvents.MessageType));

        // Each area registers what it runs (as it maps its routes below).
        builder.AddProjects();
        builder.AddTasks();
        builder.AddImports();
        builder.AddTaskLog();
        builder.AddWebhooks();
        builder.AddChanges();
        builder.Services.AddBatch();
        return builder;
    }

    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        // Every route is validated (its parameters' validators, NUL characters in any text) without a slice asking.
        var routes = app.MapGroup("").WithValidation();
        routes.MapAccounts();
        routes.MapTasks();
        routes.MapTaskLog();
        routes.MapImports();
        routes.MapWebhooks();
        routes.MapProjects();
        routes.MapLabels();
        routes.MapComments();
        routes.MapTokens();
        routes.MapBatch();
        routes.MapChanges();
        return app;
    }
}
