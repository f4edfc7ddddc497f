namespace TaskManager.Features.Imports;

/// <summary>Who may read an import: its uploader and admins, and only while its project is one they may read.</summary>
public static class ImportAccess
{
    /// <summary>The import's project is one the caller may read: otherwise the import does not exist for it.</summary>
    public const string Readable = $"EXISTS (SELECT 1 FROM projects p WHERE p.id = imports.project_id AND {ProjectAccess.Readable})";

    private const string Sql = $"SELECT (requested_by = @CallerId OR @CallerIsAdmin) FROM imports WHERE id = @ImportId AND {Readable}";

    /// <summary>Whether the caller may read the import: its answers for one that does not exist or is someone else's.</summary>
    public static async Task<Outcome<bool>> CheckAsync(NpgsqlConnection connection, Guid importId, Caller caller, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(Sql,
            new { ImportId = importId, caller.CallerId, caller.CallerIsAdmin }, cancellationToken: ct)) switch
        {
            null => Outcome<bool>.NotFound($"Import {importId} does not exist."),
            false => Outcome<bool>.Forbidden("Only the uploader and admins may read an import."),
            true => true,
        };
}
