namespace TaskManager.Infrastructure.Hosting;

/// <summary>What this process does: serve the HTTP API, run the background consumers, or both.</summary>
public enum ProcessRole
{
    All,
    Api,
    Worker,
}

public static class ProcessRoleExtensions
{
    public const string ConfigKey = "Role";

    public static ProcessRole ReadProcessRole(this IConfiguration configuration)
    {
        var value = configuration[ConfigKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return ProcessRole.All;
        }
        return Enum.TryParse<ProcessRole>(value, ignoreCase: true, out var role) && Enum.IsDefined(role)
            ? role
            : throw new InvalidOperationException($"Role '{value}' is not one of: api, worker, all.");
    }

    public static bool ServesApi(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Api;

    public static bool RunsWorker(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Worker;
}
