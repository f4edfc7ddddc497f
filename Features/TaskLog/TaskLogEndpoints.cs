using TaskManager.Features.TaskLog.GetTaskLogEntry;
using TaskManager.Features.TaskLog.ListTaskLog;
using TaskManager.Features.TaskLog.TakeSnapshot;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.Features.TaskLog;

public static class TaskLogEndpoints
{
    public static void MapTaskLog(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/api").WithTags("Daily task log").RequireAuthorization(Policies.User).WithValidation();
        reads.MapListTaskLog();
        reads.MapGetTaskLogEntry();

        var admin = app.MapGroup("/api").WithTags("Daily task log").RequireAuthorization(Policies.Admin);
        admin.MapTakeSnapshot();
    }
}
