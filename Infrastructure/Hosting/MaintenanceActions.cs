using TaskManager.Features.Accounts.CreateAdmin;
using TaskManager.Features.Accounts.Register;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Infrastructure.Hosting;

/// <summary>Runs a maintenance action (migrate, create-admin) against the built application's services, without starting the server.</summary>
public static class MaintenanceActions
{
    public static async Task<int> RunAsync(this WebApplication app, CommandLine cli)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TaskManager.Maintenance");
        try
        {
            await app.Services.GetRequiredService<DatabaseStartup>().WaitForDatabaseAsync(cancel.Token);
            var migrate = cli.Action == "migrate" || app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup;
            if (migrate)
            {
                await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancel.Token);
            }
            return cli.Action switch
            {
                "create-admin" => await CreateAdminAsync(app, cli, logger, cancel.Token),
                _ => 0,
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or ValidationException)
        {
            logger.LogCritical("{Action} failed: {Reason}", cli.Action, ex.Message);
            return 1;
        }
    }

    private static async Task<int> CreateAdminAsync(WebApplication app, CommandLine cli, ILogger logger, CancellationToken ct)
    {
        var request = new RegisterRequest(cli.Require("username"), cli.Require("email"), cli.Require("password"));
        var validation = await app.Services.GetRequiredService<IValidator<RegisterRequest>>().ValidateAsync(request, ct);
        if (!validation.IsValid)
        {
            logger.LogCritical("create-admin refused: {Errors}", string.Join(" ", validation.Errors.Select(e => e.ErrorMessage)));
            return 2;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<IMediator>()
            .Send(new CreateAdminCommand(request.Username!, request.Email!, request.Password!), ct);
        if (!outcome.IsOk)
        {
            logger.LogCritical("create-admin refused: {Reason}", outcome.Error);
            return 1;
        }
        var admin = outcome.Value!;
        logger.LogInformation(admin.Created
            ? "Created admin {Username} (id {Id})"
            : "Admin {Username} (id {Id}) already exists; it holds the admin role", admin.Username, admin.Id);
        return 0;
    }
}
