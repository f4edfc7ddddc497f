using System.Net.Http.Headers;
using System.Text;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Changes;

/// <summary>The feed's promise under concurrent writers: a follower that keeps asking with `after` ends with exactly the
/// changes written, each once, in order. Writers go through two api instances at once, and an import lands its batches
/// in transactions that overlap the others'.</summary>
public sealed class ChangeFeedConcurrencyTests : ApiTest
{
    private const int Writers = 6;
    private const int TasksPerWriter = 12;
    private const int ImportedRows = 400;

    [Test]
    public async Task A_follower_sees_every_change_of_many_concurrent_writers_once_and_in_order()
    {
        await using var second = new TaskManagerApp(App.ConnectionString);
        using var secondClient = second.CreateClient();
        var (_, alice) = await SignUpAsync("alice");
        var feed = await new ChangeFeedClient(Client, alice).StartAsync();
        var seen = new List<string>();
        using var writing = new CancellationTokenSource();

        var follower = Task.Run(async () =>
        {
            var quiet = 0;
            while (quiet < 3)
            {
                var (page, _) = await feed.NextAsync(limit: 7);
                seen.AddRange(page.Select(c => c["position"]!.GetValue<string>()));
                quiet = writing.IsCancellationRequested && page.Count == 0 ? quiet + 1 : 0;
                await Task.Delay(page.Count == 0 ? 20 : 0);
            }
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w % 2 == 0 ? Client : secondClient, alice, w))).ToList();
        var csv = new StringBuilder("task_name,priority\n");
        for (var i = 0; i < ImportedRows; i++)
        {
            csv.Append(CultureInfoInvariant($"imported {i},LOW\n"));
        }
        var accepted = await CsvUploads.UploadAsync(Client, alice, CsvUploads.Form(csv.ToString()), path: "/api/v2/imports");
        var import = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        await Task.WhenAll(writers);
        var finished = await CsvUploads.FinishedAsync(Client, alice, import, TimeSpan.FromSeconds(60));
        Assert.That(finished["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), finished.ToJsonString());
        writing.Cancel();
        await follower;

        var written = await Sql.ScalarAsync<string[]>(App.ConnectionString, "SELECT array_agg(change_position(txid, seq) ORDER BY txid, seq) FROM changes");
        Assert.Multiple(() =>
        {
            Assert.That(written, Has.Length.EqualTo(Writers * TasksPerWriter * 2 + ImportedRows), "one change per create, patch and imported row");
            Assert.That(seen, Is.EqualTo(written), "every change once, in order");
            Assert.That(seen, Is.Ordered.Using<string>(StringComparer.Ordinal));
        });
    }

    private static string CultureInfoInvariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WriteAsync(HttpClient client, string token, int writer)
    {
        for (var i = 0; i < TasksPerWriter; i++)
        {
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v2/tasks")
            {
                Content = Json(CultureInfoInvariant($$"""{"task_name":"w{{writer}}-{{i}}","priority":"LOW"}""")),
            };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var created = await client.SendAsync(create);
            Assert.That(created.IsSuccessStatusCode, Is.True, await created.Content.ReadAsStringAsync());
            var id = (await ReadJsonAsync(created))["id"]!.GetValue<long>();
            using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v2/tasks/{id}") { Content = Json("""{"priority":"HIGH"}""") };
            patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var patched = await client.SendAsync(patch);
            Assert.That(patched.IsSuccessStatusCode, Is.True, await patched.Content.ReadAsStringAsync());
        }
    }
}
