using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using TaskManager.Infrastructure.Caching;

namespace TaskManager.Features.Projects;

/// <summary>The projects whose tasks a caller may not see, for every read of tasks to leave out with
/// <see cref="TaskCondition"/>. Usually empty (an admin's always is), which is also the cached pages' common key.
/// Kept per user and process, keyed by the projects' generation: a change of membership or visibility bumps it and waits
/// until every instance has heard, so the next read anywhere computes the set afresh.</summary>
public sealed class ProjectScope(NpgsqlDataSource db, CacheGenerations generations) : IDisposable
{
    private const string DataSet = "projects";

    /// <summary>Task `t` is in a project the caller may read (the parameter is <see cref="Scope.HiddenProjects"/>).</summary>
    public const string TaskCondition = "t.project_id <> ALL(@HiddenProjects)";

    private const string Sql = $"SELECT p.id FROM projects p WHERE NOT {ProjectAccess.Readable} ORDER BY p.id";

    // One small entry per user who read recently; the limit only keeps a flood of accounts from growing it unbounded.
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async ValueTask<Scope> ForAsync(Caller caller, CancellationToken ct)
    {
        if (caller.CallerIsAdmin)
        {
            return Scope.Everything;
        }
        var generation = await generations.CurrentAsync(DataSet);
        var key = string.Create(CultureInfo.InvariantCulture, $"{generation}:{caller.CallerId}");
        if (cache.TryGetValue(key, out Scope? known) && known is not null)
        {
            return known;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var hidden = (await connection.QueryAsync<long>(new CommandDefinition(Sql, caller, cancellationToken: ct))).ToArray();
        var scope = hidden.Length == 0 ? Scope.Everything : new Scope(hidden);
        cache.Set(key, scope, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(5) });
        return scope;
    }

    /// <summary>After a change of who may read a project: every instance forgets the sets before this returns.</summary>
    public ValueTask InvalidateAsync() => generations.BumpAsync(DataSet);

    public void Dispose() => cache.Dispose();
}

/// <summary>What a caller may not see: <see cref="HiddenProjects"/> is the parameter of <see cref="ProjectScope.TaskCondition"/>;
/// <see cref="Key"/> names the set in cache keys (empty when nothing is hidden, so most callers share pages).</summary>
public sealed record Scope(long[] HiddenProjects)
{
    public static readonly Scope Everything = new([]);

    public bool HidesAny => HiddenProjects.Length > 0;

    public string Key { get; } = HiddenProjects.Length == 0 ? ""
        : "h" + Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join('.', HiddenProjects))))[..32];
}
