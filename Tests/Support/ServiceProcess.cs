using System.Diagnostics;

namespace TaskManager.Tests.Support;

/// <summary>Runs the built service as a real process (dotnet TaskManager.dll ...), as an operator would.</summary>
public static class ServiceProcess
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string connectionString, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TaskManager.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["ConnectionStrings__PostgresMigrations"] = "";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Auth__PasswordHashIterations"] = "1000";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet TaskManager.dll {string.Join(' ', args)} did not finish within 60 s");
        }
        return new Result(process.ExitCode, await stdout + await stderr);
    }
}
