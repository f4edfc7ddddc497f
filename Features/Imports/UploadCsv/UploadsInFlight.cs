namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>Uploads being received, per user and in all: each holds a socket and up to a file's size of disk.
/// Counted per process because what they hold (sockets, local disk) is per process too.</summary>
public sealed class UploadsInFlight(IOptions<ImportOptions> options)
{
    private readonly InFlightCounter counter = new();

    public bool TryEnter(long userId) => counter.TryEnter(userId, options.Value.MaxUploadsInFlightPerUser, options.Value.MaxUploadsInFlight);

    public void Exit(long userId) => counter.Exit(userId);
}
