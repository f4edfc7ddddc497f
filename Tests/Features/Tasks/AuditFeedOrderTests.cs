using System.Net;
using Npgsql;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>The audit feed in commit order: an entry whose transaction commits after a later one's is still read by a
/// client following next_cursor, because the feed never passes a transaction still running.</summary>
public sealed class AuditFeedOrderTests : ApiTest
{
    private const string InsertSql = """
        INSERT INTO task_audit (message_id, task_id, action, changes, previous_status, new_status, modified_by, modified_by_username, changed_at, project_id)
        VALUES (gen_random_uuid(), @task, 'updated', '{}', true, true, NULL, 'probe', now(), 1)
        """;

    [Test]
    public async Task An_entry_committed_late_is_not_skipped_by_a_reader_following_the_cursor()
    {
        var (managerId, _) = await SignUpAsync("maria");
        var manager = TestTokens.For(managerId, "maria", ["user", "manager"]);
        await Sql.ExecuteAsync(App.ConnectionString, InsertSql, ("task", 900000L));
        await Sql.ExecuteAsync(App.ConnectionString, InsertSql, ("task", 900000L));
        var cursor = await CursorBeforeTheLastAsync(manager);

        await using var slow = new NpgsqlConnection(App.ConnectionString);
        await slow.OpenAsync();
        await using var late = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(InsertSql, slow, late))
        {
            insert.Parameters.AddWithValue("task", 900001L);
            await insert.ExecuteNonQueryAsync(); // takes its transaction id first, commits last
        }
        await Sql.ExecuteAsync(App.ConnectionString, InsertSql, ("task", 900002L));
        var whileRunning = await ReadAsync(manager, $"/api/v2/audit?limit=100&cursor={Uri.EscapeDataString(cursor)}");
        await late.CommitAsync();
        var after = await ReadAsync(manager, $"/api/v2/audit?limit=100&cursor={Uri.EscapeDataString(cursor)}");

        Assert.Multiple(() =>
        {
            Assert.That(whileRunning["entries"]!.AsArray().Select(e => e!["task_id"]!.GetValue<long>()), Is.EqualTo(new[] { 900000L }),
                "the committed entry waits behind the running one");
            Assert.That(after["entries"]!.AsArray().Select(e => e!["task_id"]!.GetValue<long>()), Is.EqualTo(new[] { 900000L, 900001L, 900002L }));
        });
    }

    private async Task<System.Text.Json.Nodes.JsonObject> ReadAsync(string token, string url)
    {
        var response = await SendAsync(HttpMethod.Get, url, token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    /// <summary>The last cursor a walk of one entry a page gives: the one before the feed's last entry.</summary>
    private async Task<string> CursorBeforeTheLastAsync(string token)
    {
        string? cursor = null;
        while (true)
        {
            var page = await ReadAsync(token, "/api/v2/audit?limit=1" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            if (page["next_cursor"]?.GetValue<string>() is not { } next)
            {
                Assert.That(cursor, Is.Not.Null, "the feed has two entries, so one cursor");
                return cursor!;
            }
            cursor = next;
        }
    }
}
