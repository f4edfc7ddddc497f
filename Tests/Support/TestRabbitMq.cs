using System.Diagnostics;

namespace TaskManager.Tests.Support;

/// <summary>The real RabbitMQ that scripts/services.sh runs. Each test that uses it gets a virtual host of its
/// own, so queues, exchanges and leftover messages of other tests and runs never reach it.</summary>
public static class TestRabbitMq
{
    public static string Host => Environment.GetEnvironmentVariable("RabbitMq__Host")
        ?? throw new InvalidOperationException("RabbitMq__Host is not set: run the tests through scripts/test, which starts RabbitMQ.");

    public static string Port => Environment.GetEnvironmentVariable("RabbitMq__Port") ?? "5672";

    /// <summary>Settings that put an application on RabbitMQ, in a new virtual host.</summary>
    public static async Task<Dictionary<string, string?>> SettingsAsync()
    {
        var vhost = $"tm-test-{Guid.NewGuid().ToString("N")[..10]}";
        await ServicesAsync("rabbitmqctl", "add_vhost", vhost);
        lock (VirtualHosts)
        {
            VirtualHosts.Add(vhost);
        }
        await ServicesAsync("rabbitmqctl", "set_permissions", "-p", vhost,
            Environment.GetEnvironmentVariable("RabbitMq__Username") ?? "guest", ".*", ".*", ".*");
        return new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = Host,
            ["RabbitMq:Port"] = Port,
            ["RabbitMq:VirtualHost"] = vhost,
            ["RabbitMq:Username"] = Environment.GetEnvironmentVariable("RabbitMq__Username") ?? "guest",
            ["RabbitMq:Password"] = Environment.GetEnvironmentVariable("RabbitMq__Password") ?? "guest",
            // Short waits so a test sees the relay recover quickly once the broker is back.
            ["Outbox:MaxBackoffSeconds"] = "2",
            ["Outbox:PublishTimeoutSeconds"] = "3",
        };
    }

    /// <summary>The same settings as environment variables, for a service process (ServiceProcess).</summary>
    public static async Task<Dictionary<string, string>> EnvironmentAsync() =>
        (await SettingsAsync()).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    private static readonly List<string> VirtualHosts = [];

    /// <summary>Removes the virtual hosts this run made, with their queues.</summary>
    public static async Task DeleteVirtualHostsAsync()
    {
        foreach (var vhost in VirtualHosts)
        {
            await ServicesAsync("rabbitmqctl", "delete_vhost", vhost);
        }
        VirtualHosts.Clear();
    }

    public static Task StopAsync() => ServicesAsync("down", "rabbitmq");

    public static Task StartAsync() => ServicesAsync("up", "rabbitmq");

    /// <summary>Runs scripts/services.sh with the given arguments and fails the test if it fails; returns its output.</summary>
    public static async Task<string> ServicesAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "scripts", "services.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"services.sh {string.Join(' ', args)} failed: {await output}{await error}");
        }
        return await output;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "services.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("scripts/services.sh not found above " + AppContext.BaseDirectory);
    }
}
