using Npgsql;

namespace TaskManager.Tests.Support;

/// <summary>Direct reads and writes of the test database, for arranging history and checking rows.</summary>
public static class Sql
{
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static Task<long> ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters) =>
        ScalarAsync<long>(connectionString, $"WITH done AS ({sql} RETURNING 1) SELECT count(*) FROM done", parameters);

    /// <summary>Tasks as if created on an earlier day: no log row for today. Every fifth one is inactive.</summary>
    public static Task<long> InsertTasksAsync(string connectionString, long ownerId, int count) =>
        ExecuteAsync(connectionString, """
            INSERT INTO tasks (task_name, priority, status, created_by, assigned_user_id, created_at, updated_at)
            SELECT 'seeded ' || g, 'MEDIUM', g % 5 <> 0, @owner, @owner, now() - interval '2 days', now() - interval '2 days'
            FROM generate_series(1, @count) g
            """, ("owner", ownerId), ("count", count));
}
