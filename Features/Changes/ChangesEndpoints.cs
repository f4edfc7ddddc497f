using TaskManager.Features.Changes.ListChanges;
using TaskManager.Features.Changes.Retention;
using TaskManager.Features.Changes.StreamChanges;
using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.Changes;

public static class ChangesEndpoints
{
    public static void MapChanges(this IEndpointRouteBuilder app)
    {
        // Anyone signed in; which changes a caller sees is decided in the feed's SQL (ProjectAccess), at read time.
        var changes = app.MapGroup("/api/v2").WithTags("Changes (v2)").RequireAuthorization(Infrastructure.Auth.Policies.User);
        changes.MapListChanges();
        changes.MapStreamChanges();
    }

    /// <summary>The feed everywhere; what wakes and feeds streams on api instances; retention on workers.</summary>
    public static IHostApplicationBuilder AddChanges(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChangesOptions>().BindConfiguration(ChangesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ChangeFeed>();
        builder.Services.AddSingleton<ChangeSignal>();
        builder.Services.AddSingleton<SharedChangeRead>();
        builder.Services.AddSingleton<ChangeHub>();
        var role = builder.Configuration.ReadProcessRole();
        if (role.ServesApi())
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeSignal>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeHub>());
        }
        if (role.RunsWorker())
        {
            builder.Services.AddSingleton<ChangeRetention>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeRetention>());
        }
        return builder;
    }
}
