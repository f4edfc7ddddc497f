using TaskManager.Features.Tasks.CreateTask;
using TaskManager.Features.Tasks.DeleteTask;
using TaskManager.Features.Tasks.GetTaskAudit;
using TaskManager.Features.Tasks.UpdateTask;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.Features.Tasks;

public static class TasksEndpoints
{
    public static void MapTasks(this IEndpointRouteBuilder app)
    {
        // Ownership (creator, assignee, manager, admin) is decided per task inside each handler's SQL.
        var tasks = app.MapGroup("/api/task").WithTags("Tasks").RequireAuthorization(Policies.User).WithValidation();
        tasks.MapCreateTask();
        tasks.MapUpdateTask();
        tasks.MapDeleteTask();

        var audit = app.MapGroup("/api/task").WithTags("Tasks").RequireAuthorization(Policies.Manager);
        audit.MapGetTaskAudit();
    }
}
