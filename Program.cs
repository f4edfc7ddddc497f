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
    var builder = WebApplication.CreateBuilder(cli.HostArgs);
    builder.AddTaskManager();
    app = builder.Build();
}
catch (InvalidOperationException ex) when (ex.Source is "TaskManager")
{
    Console.Error.WriteLine($"Start-up failed: {ex.Message}");
    return 1;
}

app.UseTaskManager();
return cli.Action is null ? await app.ServeAsync() : await app.RunAsync(cli);

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
