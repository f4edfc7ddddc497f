using System.Net;
using System.Net.Http.Headers;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tasks;

/// <summary>v2's task resource: create, read with conditional requests, merge patch, delete and restore, and the
/// same task read through v1.</summary>
public sealed class TasksV2Tests : ApiTest
{
    [Test]
    public async Task A_task_created_through_v2_is_read_back_with_its_ETag_and_through_v1()
    {
        var (_, token) = await SignUpAsync("alice");
        var created = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token,
            Json("""{"task_name":" Write report ","priority":"high","due_date":"2025-05-01","done":false}"""));
        var body = await ReadJsonAsync(created);
        var id = body["id"]!.GetValue<long>();

        var read = await SendAsync(HttpMethod.Get, $"/api/v2/tasks/{id}", token);
        var v1 = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/api/tasks", token));

        Assert.Multiple(async () =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v2/tasks/{id}"));
            Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That(body["task_name"]!.GetValue<string>(), Is.EqualTo("Write report"));
            Assert.That(body["priority"]!.GetValue<string>(), Is.EqualTo("HIGH"));
            Assert.That(body["due_date"]!.GetValue<string>(), Is.EqualTo("2025-05-01"));
            Assert.That(body["deleted_at"], Is.Null);
            Assert.That(body["version"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(read.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That((await ReadJsonAsync(read))["assigned_user"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(v1["tasks"]![0]!["task_name"]!.GetValue<string>(), Is.EqualTo("Write report"), "v1 reads the v2 write at once");
        });
    }

    [Test]
    public async Task If_None_Match_with_the_current_ETag_is_304_and_a_stale_one_is_200()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task");

        var notModified = await GetAsync(token, id, "\"1\"");
        var stale = await GetAsync(token, id, "\"7\"");

        Assert.Multiple(() =>
        {
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_merge_patch_changes_present_keys_and_null_clears()
    {
        var (bobId, _) = await SignUpAsync("bob");
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task", $$""","description":"old","due_date":"2025-05-01","assigned_user_id":{{bobId}}""");

        var patched = await PatchAsync(token, id, """{"description":null,"due_date":null,"assigned_user_id":null,"done":true,"id":999,"version":50}""");
        var body = await ReadJsonAsync(patched);
        var audit = await Sql.ScalarAsync<long>(App.ConnectionString, $"SELECT count(*) FROM outbox_messages WHERE body->>'task_id' = '{id}'");

        Assert.Multiple(() =>
        {
            Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
            Assert.That(body["id"]!.GetValue<long>(), Is.EqualTo(id), "fields that are not the task's are ignored");
            Assert.That(body["description"], Is.Null);
            Assert.That(body["due_date"], Is.Null);
            Assert.That(body["assigned_user_id"], Is.Null);
            Assert.That(body["done"]!.GetValue<bool>(), Is.True);
            Assert.That(body["completed_at"], Is.Not.Null);
            Assert.That(body["version"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(patched.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            Assert.That(audit, Is.EqualTo(2), "the create and the patch each recorded an audit event");
        });
    }

    [Test]
    public async Task A_patch_that_changes_nothing_keeps_the_version_and_undone_clears_completed_at()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task", ""","done":true""");

        var same = await ReadJsonAsync(await PatchAsync(token, id, """{"task_name":"Task","unknown":1}"""));
        var undone = await ReadJsonAsync(await PatchAsync(token, id, """{"done":false}"""));

        Assert.Multiple(() =>
        {
            Assert.That(same["version"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(same["completed_at"], Is.Not.Null);
            Assert.That(undone["completed_at"], Is.Null);
            Assert.That(undone["version"]!.GetValue<int>(), Is.EqualTo(2));
        });
    }

    [TestCase("[1,2]", "body")]
    [TestCase("\"text\"", "body")]
    [TestCase("""{"priority":"URGENT"}""", "priority")]
    [TestCase("""{"task_name":null}""", "task_name")]
    [TestCase("""{"done":"yes"}""", "done")]
    [TestCase("""{"due_date":"01/05/2025"}""", "due_date")]
    [TestCase("""{"assigned_user_id":"bob"}""", "assigned_user_id")]
    [TestCase("""{"task_name":"\ud800"}""", "task_name")]
    [TestCase("""{"description":"a\udc00b"}""", "description")]
    [TestCase("""{"\ud800":1}""", "body")]
    public async Task A_bad_merge_patch_is_400_naming_the_field_and_changes_nothing(string patch, string field)
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task");

        var response = await PatchAsync(token, id, patch);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.Multiple(async () =>
        {
            Assert.That(problem["errors"]!.AsObject().ContainsKey(field), Is.True, problem.ToJsonString());
            Assert.That((await ReadJsonAsync(await GetAsync(token, id)))["version"]!.GetValue<int>(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_merge_patch_s_values_meet_the_create_s_rules_and_each_bad_one_is_named()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task");

        var response = await PatchAsync(token, id, """{"task_name":"a\u0000b","description":"x\u0000","assigned_user_id":0,"blocked_by":[-1]}""");
        var errors = (await AssertProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!.AsObject();

        Assert.That(errors.ToDictionary(e => e.Key, e => e.Value![0]!.GetValue<string>()), Is.EquivalentTo(new Dictionary<string, string>
        {
            ["task_name"] = "task_name must be 1 to 255 characters long (after trimming).",
            ["description"] = "description must be at most 10,000 characters long, or null.",
            ["assigned_user_id"] = "assigned_user_id must be a user id or null.",
            ["blocked_by"] = "blocked_by must be a list of task ids.",
        }));
    }

    [Test]
    public async Task A_stale_If_Match_is_412_and_another_users_patch_is_403()
    {
        var (_, token) = await SignUpAsync("alice");
        var (_, other) = await SignUpAsync("dave");
        var id = await CreateAsync(token, "Task");

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v2/tasks/{id}") { Content = Json("""{"priority":"LOW"}""") };
        stale.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"9\""));

        await AssertProblemAsync(await Client.SendAsync(stale), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await PatchAsync(other, id, """{"priority":"LOW"}"""), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await PatchAsync(token, 999_999, """{"priority":"LOW"}"""), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Delete_is_204_and_soft_and_restore_brings_the_task_back()
    {
        var (_, token) = await SignUpAsync("alice");
        var id = await CreateAsync(token, "Task");

        var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/tasks/{id}", token);
        var afterDelete = await ReadJsonAsync(await GetAsync(token, id));
        var v1Status = await Sql.ScalarAsync<bool>(App.ConnectionString, $"SELECT status FROM tasks WHERE id = {id}");
        var restored = await SendAsync(HttpMethod.Post, $"/api/v2/tasks/{id}/restore", token);
        var afterRestore = await ReadJsonAsync(restored);

        Assert.Multiple(() =>
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(afterDelete["deleted_at"], Is.Not.Null);
            Assert.That(v1Status, Is.False, "v1 sees the task deleted");
            Assert.That(restored.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(afterRestore["deleted_at"], Is.Null);
        });
    }

    [Test]
    public async Task A_retry_with_the_same_idempotency_key_replays_the_first_response_and_creates_nothing()
    {
        var (_, token) = await SignUpAsync("alice");
        var first = await PostWithKeyAsync(token, "key-1", """{"task_name":"Once","priority":"LOW"}""");
        var retry = await PostWithKeyAsync(token, "key-1", """{"task_name":"Once","priority":"LOW"}""");
        var different = await PostWithKeyAsync(token, "key-1", """{"task_name":"Twice","priority":"LOW"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(retry.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(retry.Headers.Location, Is.EqualTo(first.Headers.Location));
            Assert.That(retry.Headers.ETag, Is.EqualTo(first.Headers.ETag));
            Assert.That(await retry.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(different.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(1));
        });
    }

    [TestCase("GET", "/api/v2/tasks/abc")]
    [TestCase("GET", "/api/v2/tasks/99999999999999999999")]
    [TestCase("PATCH", "/api/v2/tasks/1.5")]
    [TestCase("DELETE", "/api/v2/tasks/abc")]
    [TestCase("POST", "/api/v2/tasks/abc/restore")]
    [TestCase("GET", "/api/v2/tasks/abc/history")]
    [TestCase("GET", "/api/v2/task-log/abc")]
    [TestCase("GET", "/api/v2/imports/not-a-uuid")]
    public async Task A_malformed_id_is_400_naming_id(string method, string path)
    {
        var (_, token) = await SignUpAsync("alice");

        var response = await SendAsync(new HttpMethod(method), path, token, method == "PATCH" ? Json("{}") : null);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.That(problem["detail"]!.GetValue<string>(), Does.StartWith("id: "));
    }

    [Test]
    public async Task A_key_whose_first_request_never_finished_is_free_again_after_a_minute()
    {
        var (userId, token) = await SignUpAsync("alice");
        // What a process that died between claiming the key and answering leaves behind.
        await Sql.ExecuteAsync(App.ConnectionString, $"""
            INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ({userId}, 'key-1', 'x', now() - interval '2 minutes')
            """);

        var retry = await PostWithKeyAsync(token, "key-1", """{"task_name":"Once","priority":"LOW"}""");
        var again = await PostWithKeyAsync(token, "key-1", """{"task_name":"Once","priority":"LOW"}""");

        Assert.Multiple(() =>
        {
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(again.Headers.Contains("Idempotent-Replayed"), Is.True);
        });
    }

    private async Task<long> CreateAsync(string token, string name, string extra = "")
    {
        var response = await SendAsync(HttpMethod.Post, "/api/v2/tasks", token, Json($$"""{"task_name":"{{name}}","priority":"MEDIUM"{{extra}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<long>();
    }

    private async Task<HttpResponseMessage> GetAsync(string token, long id, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v2/tasks/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(ifNoneMatch));
        }
        return await Client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PatchAsync(string token, long id, string patch)
    {
        var content = new StringContent(patch, System.Text.Encoding.UTF8, "application/merge-patch+json");
        return await SendAsync(HttpMethod.Patch, $"/api/v2/tasks/{id}", token, content);
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(string token, string key, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/tasks") { Content = Json(json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        return await Client.SendAsync(request);
    }
}
