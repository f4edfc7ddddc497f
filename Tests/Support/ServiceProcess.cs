using System.Diagnostics;

namespace TaskManager.Tests.Support;

/// <summary>Runs the built service as a real process (dotnet TaskManager.dll ...), as an operator would.</summary>
public static class ServiceProcess
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string connectionString, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(connectionString, environment, args, out var output);
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
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, output.ToString());
    }

    /// <summary>Starts the service as a process that keeps running; its output collects in `output`.</summary>
    public static Process Start(string connectionString, IReadOnlyDictionary<string, string>? environment, string[] args, out System.Text.StringBuilder output)
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
        start.Environment["Observability__LogFormat"] = "simple";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Auth__PasswordHashIterations"] = "1000";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var collected = new System.Text.StringBuilder();
        output = collected;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (collected) { collected.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (collected) { collected.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM, as an orchestrator stops a container (Process.Kill sends SIGKILL, which allows no shutdown).</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {process.Id} failed with exit code {kill.ExitCode}");
        }
    }

    /// <summary>A TCP port nobody listens on right now, for a service process of a test.</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
