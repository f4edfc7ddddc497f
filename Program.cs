using TaskManager.Infrastructure.Hosting;

CommandLine cli;
try
{
    cli = CommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

WebApplication app;
try
{
    // Settings files are read once: watching the content root for edits costs CPU on every write beneath it
    // (a local database's files, build output), and settings change through the environment and a restart.
    var builder = WebApplication.CreateBuilder([.. cli.HostArgs, "--hostBuilder:reloadConfigOnChange=false"]);
    builder.AddTaskManager();
    app = builder.Build();
}
catch (InvalidOperationException ex) when (ex.Source is "TaskManager")
{
    Console.Error.WriteLine($"Start-up failed: {ex.Message}");
    return 1;
}

app.UseTaskManager();
if (cli.Action is null)
{
    return await app.ServeAsync();
}
// Disposed before exit, so the console logger writes its last lines (the action's outcome) before the process ends.
await using (app)
{
    return await app.RunAsync(cli);
}

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
