using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>One signed-in user with hostile uploads, inside every rate limit, must not hurt anyone else, and
/// every import ends with an answer. Slow bodies need a real Kestrel: the in-memory test server reads a request's
/// whole body before the application sees it.</summary>
public sealed class HostileUploadTests : ApiTest
{
    [Test]
    public async Task Uploads_that_stall_hold_no_database_connection_another_user_needs()
    {
        // A small pool, so holding a connection per stalled upload would starve everyone at once.
        await using var app = new TaskManagerApp(App.ConnectionString, new Dictionary<string, string?>
        {
            ["Database:MaxPoolSize"] = "4",
            ["Database:ConnectTimeoutSeconds"] = "2",
            ["Imports:MaxUploadsInFlightPerUser"] = "8",
        }).OnKestrel();
        using var client = app.CreateClient();
        var (_, attacker) = await SignUpAsync("mallory");
        var (_, victim) = await SignUpAsync("victim");

        var stalled = new List<System.Net.Sockets.TcpClient>();
        for (var i = 0; i < 8; i++)
        {
            stalled.Add(await StartStalledUploadAsync(client.BaseAddress!, attacker));
        }
        await Task.Delay(500);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", victim);
            statuses.Add((await client.SendAsync(request)).StatusCode);
        }
        stalled.ForEach(s => s.Dispose());

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK), "the other user is served while the uploads stall");
    }

    [Test]
    public async Task A_user_sending_too_many_files_at_once_gets_429_with_retry_after()
    {
        await using var app = new TaskManagerApp(App.ConnectionString).OnKestrel();
        using var client = app.CreateClient();
        var (_, token) = await SignUpAsync("mallory");
        using var first = await StartStalledUploadAsync(client.BaseAddress!, token);
        using var second = await StartStalledUploadAsync(client.BaseAddress!, token);
        await Task.Delay(500);

        var third = await CsvUploads.UploadAsync(client, token, CsvUploads.Form("task_name,priority\nOne,LOW\n"));

        await AssertProblemAsync(third, HttpStatusCode.TooManyRequests);
        Assert.That(third.Headers.RetryAfter, Is.Not.Null);
    }

    [Test]
    public async Task A_huge_cell_is_kept_as_a_short_prefix_with_its_length()
    {
        var (_, token) = await SignUpAsync("mallory");
        var cell = new string('x', 300_000);
        var status = await ImportAsync(token, $"task_name,priority\nBig,{cell}\nFine,LOW\n");

        var error = status["errors"]!.AsArray().Single()!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"));
            Assert.That(error["code"]!.GetValue<string>(), Is.EqualTo("invalid_priority"));
            Assert.That(error["value"]!.GetValue<string>(), Is.EqualTo(cell[..200]));
            Assert.That(error["value_length"]!.GetValue<int>(), Is.EqualTo(300_000));
            Assert.That(error["message"]!.GetValue<string>(), Has.Length.LessThan(200));
        });
    }

    [Test]
    public async Task A_field_longer_than_the_limit_fails_the_import_with_a_reason()
    {
        var (_, token) = await SignUpAsync("mallory");
        var status = await ImportAsync(token, $"task_name,priority\nFine,LOW\nBig,{new string('x', 1_100_000)}\n");

        Assert.Multiple(() =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(status["failure"]!.GetValue<string>(), Does.Contain("longer than"));
            Assert.That(status["failure"]!.GetValue<string>(), Has.Length.LessThan(200));
        });
    }

    [Test]
    public async Task A_line_of_many_short_fields_longer_than_the_limit_fails_the_import_with_a_reason()
    {
        // A database of its own: the shared application's worker would otherwise take the import with its own limit.
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("lines"), new Dictionary<string, string?> { ["Imports:MaxLineChars"] = "2048" });
        var user = await SignedInClient.SignUpAsync(app);
        var accepted = await CsvUploads.UploadAsync(user.Client, user.Token,
            CsvUploads.Form("task_name,priority\nFine,LOW\n" + string.Join(",", Enumerable.Repeat("a", 2000)) + "\n"));
        var id = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        var status = await CsvUploads.FinishedAsync(user.Client, user.Token, id);

        Assert.Multiple(() =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(status["failure"]!.GetValue<string>(), Does.Contain("line 3 is longer than 2048 characters"));
        });
    }

    [Test]
    public async Task A_NUL_byte_deep_in_a_file_is_a_row_error_and_the_import_still_finishes()
    {
        var (_, token) = await SignUpAsync("mallory");
        var csv = new StringBuilder("task_name,priority\n");
        var rows = 0;
        while (csv.Length < 1_200_000)
        {
            csv.Append("Task number ").Append(++rows).Append(" with a long enough name to fill the file,LOW\n");
        }
        csv.Append("Bad\0row,LOW\nAfter,HIGH\n");

        var status = await ImportAsync(token, csv.ToString());

        Assert.Multiple(() =>
        {
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("partially_succeeded"));
            Assert.That(status["tasks_created"]!.GetValue<long>(), Is.EqualTo(rows + 1));
            Assert.That(status["errors"]!.AsArray().Single()!["code"]!.GetValue<string>(), Is.EqualTo("invalid_character"));
        });
    }

    [Test]
    public async Task A_file_name_with_control_characters_is_400()
    {
        var (_, token) = await SignUpAsync("mallory");
        var response = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form("task_name,priority\nOne,LOW\n", "evil\u0001.csv"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().ContainsKey("file"), Is.True);
    }

    [TestCase(" =1+1")]
    [TestCase("\n=1+1")]
    [TestCase("\uFF1D1+1")]
    [TestCase("\t@SUM(A1)")]
    public async Task The_errors_CSV_neutralises_formulas_behind_blanks_and_fullwidth_signs(string username)
    {
        var (_, token) = await SignUpAsync("mallory");
        var quoted = "\"" + username.Replace("\"", "\"\"") + "\"";
        var status = await ImportAsync(token, $"task_name,priority,assigned_user\nOne,LOW,{quoted}\n");

        var response = await SendAsync(HttpMethod.Get, $"/api/imports/{status["import_id"]}/errors", token);
        using var csv = new CsvHelper.CsvReader(new StringReader(await response.Content.ReadAsStringAsync()), CultureInfo.InvariantCulture);
        await csv.ReadAsync();
        csv.ReadHeader();
        await csv.ReadAsync();

        Assert.That(csv.GetField("value"), Is.EqualTo("'" + username));
    }

    private async Task<JsonObject> ImportAsync(string token, string csv)
    {
        var accepted = await CsvUploads.UploadAsync(Client, token, CsvUploads.Form(csv));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        var id = (await ReadJsonAsync(accepted))["import_id"]!.GetValue<string>();
        return await CsvUploads.FinishedAsync(Client, token, id);
    }

    /// <summary>What the attack sends over a socket of its own: an upload announcing 5 MB, its first CSV line,
    /// then nothing more until the socket is closed.</summary>
    private static async Task<System.Net.Sockets.TcpClient> StartStalledUploadAsync(Uri server, string token)
    {
        var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(server.Host, server.Port);
        const string boundary = "stall";
        var head = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.csv\"\r\nContent-Type: text/csv\r\n\r\ntask_name,priority\n";
        var request = $"POST /api/upload-csv HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {token}\r\n" +
                      $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {5 * 1024 * 1024}\r\n\r\n{head}";
        await socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));
        await socket.GetStream().FlushAsync();
        return socket;
    }
}
