using System.Buffers;

namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>Receives an upload's file onto local disk before any database work: a slow client then holds a socket
/// and a temporary file, never a pooled connection or an open transaction.</summary>
public static class UploadSpool
{
    /// <summary>The whole body as a temporary file (deleted when disposed), positioned at its start; null when it is
    /// larger than <paramref name="maxBytes"/>, which stops reading at once.</summary>
    public static async Task<FileStream?> ReceiveAsync(Stream body, long maxBytes, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"taskmanager-upload-{Guid.NewGuid():N}.csv");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    await file.DisposeAsync();
                    return null;
                }
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
