using System.Text.Json.Serialization;
using MassTransit;

namespace TaskManager.Features.Imports;

/// <summary>Another system's request to import CSV text, published to the `import-tasks-csv` queue as plain
/// JSON (no MassTransit envelope needed). Idempotent by `import_id`.</summary>
[MessageUrn("taskmanager:imports:import-tasks-csv:v1")]
[EntityName("taskmanager.import-tasks-csv")]
public sealed record ImportTasksCsv
{
    [JsonPropertyName("import_id")]
    public Guid ImportId { get; init; }

    /// <summary>The username the import runs as: it owns the import and is the default assignee.</summary>
    [JsonPropertyName("requested_by")]
    public string? RequestedBy { get; init; }

    [JsonPropertyName("file_name")]
    public string? FileName { get; init; }

    [JsonPropertyName("csv_content")]
    public string? CsvContent { get; init; }

    /// <summary>partial (default), atomic or dry_run.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    /// <summary>The project every row lands in (default: the default project); requested_by must be able to create there.</summary>
    [JsonPropertyName("project_id")]
    public long? ProjectId { get; init; }
}

/// <summary>An import has finished, whatever its outcome.</summary>
[MessageUrn("taskmanager:imports:tasks-import-completed:v1")]
[EntityName("taskmanager.tasks-import-completed")]
public sealed record TasksImportCompleted
{
    public required Guid ImportId { get; init; }
    public required string Status { get; init; }
    public required string Mode { get; init; }
    public required long RowsTotal { get; init; }
    public required long TasksCreated { get; init; }
    public required long RowsFailed { get; init; }
    public string? Failure { get; init; }
    public required DateTime FinishedAt { get; init; }
}

/// <summary>Internal: tells a worker to run (or resume) an import whose file is stored.</summary>
[MessageUrn("taskmanager:imports:start-import:v1")]
[EntityName("taskmanager.start-import")]
public sealed record StartImport
{
    public required Guid ImportId { get; init; }
}

/// <summary>An import's file name, whether uploaded or sent in a message: at most 255 characters, no control character.</summary>
public static class ImportFileNames
{
    public const int MaxLength = 255;

    public static bool IsClean(string? name) => name is null || !name.Any(char.IsControl);
}

public static class ImportModes
{
    public const string Partial = "partial";
    public const string Atomic = "atomic";
    public const string DryRun = "dry_run";
}

public static class ImportStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string PartiallySucceeded = "partially_succeeded";
    public const string Failed = "failed";
}
