using System.ComponentModel.DataAnnotations;

namespace TaskManager.Features.Imports;

public sealed class ImportOptions
{
    public const string Section = "Imports";

    /// <summary>Largest CSV file an upload may send.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Imports one user may have queued or running at once.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentPerUser { get; set; } = 3;

    /// <summary>Uploads one user may be sending at once (each is received to a temporary file first).</summary>
    [Range(1, 100)]
    public int MaxUploadsInFlightPerUser { get; set; } = 2;

    /// <summary>Uploads this process receives at once, from all users together.</summary>
    [Range(1, 10_000)]
    public int MaxUploadsInFlight { get; set; } = 32;

    /// <summary>Slowest upload body accepted (after a 10 s grace period); a slower client is cut off with 408.</summary>
    [Range(1, int.MaxValue)]
    public int MinUploadBytesPerSecond { get; set; } = 10_000;

    /// <summary>Characters of an offending cell a row error keeps (with the cell's full length).</summary>
    [Range(16, 10_000)]
    public int ErrorValueChars { get; set; } = 200;

    /// <summary>Longest single CSV field read; a longer one fails the file at that row instead of filling memory.</summary>
    [Range(1_024, 64 * 1024 * 1024)]
    public int MaxFieldChars { get; set; } = 1024 * 1024;

    /// <summary>Longest line read; a longer one fails the file at that line (a line of many short fields is no field too long).</summary>
    [Range(1_024, 256 * 1024 * 1024)]
    public int MaxLineChars { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest inline `csv_content` of an ImportTasksCsv message.</summary>
    [Range(1, 64L * 1024 * 1024)]
    public int MaxInlineBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Rows per transaction: each batch's tasks, log rows, audit entries, errors and checkpoint commit together.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Size of the pieces the file is stored in.</summary>
    [Range(4 * 1024, 64 * 1024 * 1024)]
    public int ChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Row errors listed in GET /api/imports/{id}; all of them are in its /errors CSV.</summary>
    [Range(0, 100_000)]
    public int ErrorsInStatus { get; set; } = 1_000;

    /// <summary>Days a finished import keeps its row errors; the import's own row and counts stay.</summary>
    [Range(1, 36_500)]
    public int ErrorRetentionDays { get; set; } = 30;
}
