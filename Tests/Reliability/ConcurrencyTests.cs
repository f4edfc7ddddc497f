using System.Net;
using System.Net.Http.Json;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Reliability;

/// <summary>Many clients at once on the same thing: optimistic concurrency lets exactly one win each round,
/// and unique names stay unique.</summary>
public sealed class ConcurrencyTests : ApiTest
{
    [Test]
    public async Task Fifty_parallel_updates_with_one_If_Match_let_exactly_one_win_per_version()
    {
        var (_, token) = await SignUpAsync("owner");
        var created = await SendAsync(HttpMethod.Post, "/api/task", token, Json("""{"task_name":"Contended","priority":"LOW"}"""));
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<long>();

        for (var version = 1; version <= 3; version++)
        {
            var etag = $"\"{version}\"";
            var attempts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async client =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/task/{id}")
                {
                    Content = Json($$"""{"description":"written by client {{client}} at version {{version}}"}"""),
                };
                request.Headers.Authorization = new("Bearer", token);
                request.Headers.TryAddWithoutValidation("If-Match", etag);
                var response = await Client.SendAsync(request);
                return (Client: client, response.StatusCode);
            }));

            var winners = attempts.Where(a => a.StatusCode == HttpStatusCode.OK).ToList();
            var row = await Sql.ScalarAsync<string>(App.ConnectionString, "SELECT version || '|' || description FROM tasks WHERE id = @id", ("id", id));
            Assert.Multiple(() =>
            {
                Assert.That(winners, Has.Count.EqualTo(1), $"round {version}");
                Assert.That(attempts.Count(a => a.StatusCode == HttpStatusCode.PreconditionFailed), Is.EqualTo(49), $"round {version}");
                Assert.That(row, Is.EqualTo($"{version + 1}|written by client {winners.Single().Client} at version {version}"),
                    "the winner's change is the one kept");
            });
        }
    }

    [Test]
    public async Task Twenty_parallel_registrations_of_one_username_make_exactly_one_account()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Client.PostAsJsonAsync("/api/register", new { username = "samename", email = $"same{i}@example.com", password = "correct-horse-1" })));

        Assert.Multiple(async () =>
        {
            Assert.That(attempts.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
            Assert.That(attempts.Count(r => r.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(19));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM users WHERE lower(username) = 'samename'"), Is.EqualTo(1));
        });
    }
}
