using TaskManager.Features.Batch.RunBatch;

namespace TaskManager.Features.Batch;

public static class BatchEndpoints
{
    public static void MapBatch(this IEndpointRouteBuilder app)
    {
        // Anyone signed in (a token needs tasks:write, as for any POST of the task routes); each operation is then
        // authorized as its own route would be.
        var batch = app.MapGroup("/api/v2").WithTags("Batch (v2)").RequireAuthorization(Infrastructure.Auth.Policies.User);
        batch.MapRunBatch();
    }

    public static IServiceCollection AddBatch(this IServiceCollection services) => services
        .AddSingleton<BatchRoutes>()
        .AddSingleton<BatchDispatcher>()
        .AddSingleton<BatchReplays>();
}
