using TaskManager.Features.TaskLog.GetTaskLogEntry;
using TaskManager.Features.TaskLog.ListTaskLog;
using TaskManager.Features.TaskLog.TakeSnapshot;
using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.TaskLog;

public static class TaskLogEndpoints
{
    public static void MapTaskLog(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/api").WithTags("Daily task log").RequireAuthorization(Policies.User);
        reads.MapListTaskLog();
        reads.MapGetTaskLogEntry();

        var v2 = app.MapGroup("/api/v2/task-log").WithTags("Daily task log (v2)").RequireAuthorization(Policies.User);
        v2.MapListTaskLogV2();
        v2.MapGetTaskLogEntryV2();

        var admin = app.MapGroup("/api").WithTags("Daily task log").RequireAuthorization(Policies.Admin).RequireScope(TokenScopes.Admin);
        admin.MapTakeSnapshot();
    }

    /// <summary>The daily snapshot's options, and its scheduler on workers, unless switched off.</summary>
    public static IHostApplicationBuilder AddTaskLog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SnapshotOptions>().BindConfiguration(SnapshotOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.ReadProcessRole().RunsWorker() &&
            builder.Configuration.GetValue($"{SnapshotOptions.Section}:{nameof(SnapshotOptions.SchedulerEnabled)}", true))
        {
            builder.Services.AddHostedService<SnapshotScheduler>();
        }
        return builder;
    }
}
