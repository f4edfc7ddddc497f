using NpgsqlTypes;

namespace TaskManager.Features.Imports;

/// <summary>An import's file, kept in PostgreSQL as numbered chunks: written as it streams in, read back as
/// one stream, so neither side ever holds the whole file.</summary>
public static class ImportFileStore
{
    public static async Task WriteChunkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid importId, int chunkNo,
        ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("INSERT INTO import_files (import_id, chunk_no, data) VALUES ($1, $2, $3)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = importId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = chunkNo });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The whole file as a forward-only stream over its chunks, read on the given connection.</summary>
    public static async Task<Stream> OpenReadAsync(NpgsqlConnection connection, Guid importId, CancellationToken ct)
    {
        var command = new NpgsqlCommand("SELECT data FROM import_files WHERE import_id = $1 ORDER BY chunk_no", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = importId });
        var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        return new ChunkStream(command, reader);
    }

    private sealed class ChunkStream(NpgsqlCommand command, NpgsqlDataReader reader) : Stream
    {
        private Stream? current;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            while (true)
            {
                if (current is null)
                {
                    if (!await reader.ReadAsync(ct))
                    {
                        return 0;
                    }
                    current = await reader.GetStreamAsync(0, ct);
                }
                var read = await current.ReadAsync(buffer, ct);
                if (read > 0)
                {
                    return read;
                }
                await current.DisposeAsync();
                current = null;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            if (current is not null)
            {
                await current.DisposeAsync();
            }
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
