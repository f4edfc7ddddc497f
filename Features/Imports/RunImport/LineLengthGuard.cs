namespace TaskManager.Features.Imports.RunImport;

/// <summary>Stops reading a file at a line longer than the limit, before the CSV parser holds it whole: a line of
/// many short fields escapes the parser's own field-size limit. Written here because CsvHelper bounds fields only.</summary>
public sealed class LineLengthGuard(TextReader inner, int maxLineChars) : TextReader
{
    private long line = 1;
    private int length;

    public override int Read(Span<char> buffer) => Check(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken ct = default)
    {
        var read = await inner.ReadAsync(buffer, ct);
        return Check(buffer.Span[..read]);
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    private int Check(ReadOnlySpan<char> read)
    {
        foreach (var c in read)
        {
            if (c == '\n')
            {
                line++;
                length = 0;
            }
            else if (++length > maxLineChars)
            {
                throw new InvalidDataException($"line {line} is longer than {maxLineChars} characters");
            }
        }
        return read.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
