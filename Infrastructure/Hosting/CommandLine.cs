namespace TaskManager.Infrastructure.Hosting;

/// <summary>The process's command line: nothing (serve), or one of the maintenance actions with its options.</summary>
public sealed record CommandLine(string? Action, IReadOnlyDictionary<string, string> Options, string[] HostArgs)
{
    public const string Usage = """
        Usage:
          TaskManager [--Role api|worker|all]       run the service (default role: all)
          TaskManager migrate                        apply pending database migrations and exit
          TaskManager create-admin --username U --email E --password P
                                                     create the first admin (idempotent) and exit
        """;

    private static readonly string[] Actions = ["migrate", "create-admin"];

    public static CommandLine Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return new CommandLine(null, new Dictionary<string, string>(), args);
        }
        var command = args[0].ToLowerInvariant();
        if (!Actions.Contains(command))
        {
            throw new ArgumentException($"Unknown command '{args[0]}'.\n{Usage}");
        }

        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.\n{Usage}");
            }
            var name = args[i][2..];
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                options[name[..equals]] = name[(equals + 1)..];
            }
            else if (i + 1 < args.Length)
            {
                options[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option --{name} needs a value.\n{Usage}");
            }
        }
        return new CommandLine(command, options, []);
    }

    public string Require(string option) =>
        Options.TryGetValue(option, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new ArgumentException($"{Action} needs --{option}.\n{Usage}");
}
