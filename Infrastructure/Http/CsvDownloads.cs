using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using CsvHelper;

namespace TaskManager.Infrastructure.Http;

public sealed class DownloadOptions
{
    public const string Section = "Downloads";

    /// <summary>CSV downloads (exports, error reports) one user may have in progress at once; one more is a 429.</summary>
    [Range(1, 100)]
    public int MaxConcurrentPerUser { get; set; } = 2;

    /// <summary>CSV downloads this process serves at once, from all users together.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrent { get; set; } = 32;

    /// <summary>Longest a download may take; past it the connection is closed, however slowly the client reads.</summary>
    [Range(1, 86_400)]
    public int TimeLimitSeconds { get; set; } = 600;

    /// <summary>Rows read per statement. Each batch is read whole and its connection returned before it is written, so a
    /// slow reader never holds a pooled connection while the client takes its time.</summary>
    [Range(1, 100_000)]
    public int BatchRows { get; set; } = 500;
}

/// <summary>Streams CSV built from keyset batches, each read with a short statement of its own: the download holds a
/// batch in memory and no database connection while it waits for the client. Bounded per user and per process, and
/// in time.</summary>
public sealed class CsvDownloads(IOptions<DownloadOptions> options)
{
    private readonly InFlightCounter inFlight = new();

    /// <summary>The download, or a 429 when the user (or the process) has as many in progress as allowed. nextBatch
    /// answers the rows after the given last row (null: from the start), at most the given count of them.</summary>
    public Results<PushStreamHttpResult, Problem> Stream<TRow>(HttpContext http, long userId, string fileName, IReadOnlyList<string> header,
        Func<TRow?, int, CancellationToken, Task<IReadOnlyList<TRow>>> nextBatch, Action<CsvWriter, TRow> writeRow)
        where TRow : class
    {
        var settings = options.Value;
        if (!inFlight.TryEnter(userId, settings.MaxConcurrentPerUser, settings.MaxConcurrent))
        {
            return Problem.Of(StatusCodes.Status429TooManyRequests,
                $"You already have {settings.MaxConcurrentPerUser} downloads in progress (or the service is serving as many as it can); wait for one to finish.", 5);
        }
        return TypedResults.Stream(async body =>
        {
            try
            {
                await WriteAsync(http, body, header, nextBatch, writeRow, settings);
            }
            finally
            {
                inFlight.Exit(userId);
            }
        }, "text/csv; charset=utf-8", fileName);
    }

    private static async Task WriteAsync<TRow>(HttpContext http, Stream body, IReadOnlyList<string> header,
        Func<TRow?, int, CancellationToken, Task<IReadOnlyList<TRow>>> nextBatch, Action<CsvWriter, TRow> writeRow, DownloadOptions settings)
        where TRow : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.TimeLimitSeconds));
        // Past the limit the connection is closed, which also ends a write that waits on a client that stopped reading.
        await using var abort = deadline.Token.Register(http.Abort);
        await using var writer = new StreamWriter(body, new UTF8Encoding(false));
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var name in header)
        {
            csv.WriteField(name);
        }
        await csv.NextRecordAsync();
        TRow? last = null;
        while (true)
        {
            var batch = await nextBatch(last, settings.BatchRows, deadline.Token);
            foreach (var row in batch)
            {
                writeRow(csv, row);
                await csv.NextRecordAsync();
            }
            if (batch.Count < settings.BatchRows)
            {
                return;
            }
            last = batch[^1];
        }
    }

}
