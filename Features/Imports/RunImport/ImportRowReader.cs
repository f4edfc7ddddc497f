using System.Text;
using CsvHelper;

namespace TaskManager.Features.Imports.RunImport;

/// <summary>Reads an import's stored file as a stream of numbered data rows, each checked against the CSV rules.</summary>
public sealed class ImportRowReader(NpgsqlDataSource db, IOptions<ImportOptions> options, TimeProvider clock)
{
    /// <summary>The file's data rows, numbered from 1 after the header, each checked against the rules.</summary>
    public async IAsyncEnumerable<(long Row, ValidRow? Valid, List<RowError>? Errors)> ReadAsync(ImportState import,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, long> users;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            users = (await connection.QueryAsync<(string Name, long Id)>(new CommandDefinition(
                "SELECT lower(username), id FROM users WHERE is_active", cancellationToken: ct))).ToDictionary(u => u.Name, u => u.Id);
        }
        var now = clock.GetUtcNow().UtcDateTime;

        await using var fileConnection = await db.OpenConnectionAsync(ct);
        await using var file = await ImportFileStore.OpenReadAsync(fileConnection, import.Id, ct);
        using var text = new StreamReader(file, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        using var csv = new CsvReader(new LineLengthGuard(text, options.Value.MaxLineChars), CsvRows.Settings(options.Value.MaxFieldChars));
        if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
        {
            yield break;
        }
        var columns = CsvRows.MapHeader(header);
        if (CsvRows.MissingColumns(columns) is { Length: > 0 } missing)
        {
            throw new InvalidDataException($"the header lacks {string.Join(", ", missing)}");
        }

        long row = 0;
        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            row++;
            var record = csv.Parser.Record ?? [];
            var (valid, errors) = CsvRows.Parse(row,
                column => columns.TryGetValue(column, out var index) && index < record.Length ? record[index] : null,
                users, import.RequestedBy, now, options.Value.ErrorValueChars);
            yield return (row, valid, errors);
        }
    }
}
