using TaskManager.Features.Tasks.CreateTask;
using TaskManager.Features.Tasks.DeleteTask;
using TaskManager.Features.Tasks.ExportTasks;
using TaskManager.Features.Tasks.GetTask;
using TaskManager.Features.Tasks.GetTaskAudit;
using TaskManager.Features.Tasks.GetTaskHistory;
using TaskManager.Features.Tasks.ListAudit;
using TaskManager.Features.Tasks.ListTasks;
using TaskManager.Features.Tasks.PatchTask;
using TaskManager.Features.Tasks.RestoreTask;
using TaskManager.Features.Tasks.UpdateTask;

namespace TaskManager.Features.Tasks;

public static class TasksEndpoints
{
    public static void MapTasks(this IEndpointRouteBuilder app)
    {
        // Ownership (creator, assignee, manager, admin) is decided per task inside each handler's SQL.
        var tasks = app.MapGroup("/api/task").WithTags("Tasks").RequireAuthorization(Policies.User);
        tasks.MapCreateTask();
        tasks.MapUpdateTask();
        tasks.MapDeleteTask();

        var audit = app.MapGroup("/api/task").WithTags("Tasks").RequireAuthorization(Policies.Manager);
        audit.MapGetTaskAudit();

        // v2: the same use cases as resources; each route sends the command the one handler understands.
        var v2 = app.MapGroup("/api/v2/tasks").WithTags("Tasks (v2)").RequireAuthorization(Policies.User);
        v2.MapListTasks();
        v2.MapGetTask();
        v2.MapCreateTaskV2();
        v2.MapPatchTask();
        v2.MapDeleteTaskV2();
        v2.MapRestoreTask();
        v2.MapGetTaskHistory();
        v2.MapExportTasks();

        var v2Audit = app.MapGroup("/api/v2").WithTags("Tasks (v2)").RequireAuthorization(Policies.Manager);
        v2Audit.MapGetTaskAuditV2();
        v2Audit.MapListAudit();
    }

    /// <summary>The cache of task reads, which every task write invalidates.</summary>
    public static IHostApplicationBuilder AddTasks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TaskReadCache>();
        return builder;
    }
}
