using System.Net;
using TaskManager.Tests.Infrastructure.RateLimiting;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Batch;

/// <summary>What a batch accepts, who may send one, its Idempotency-Key and its cost against the rate limit.</summary>
public sealed class BatchLimitsTests : ApiTest
{
    private const string Create = """{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"Batched","priority":"LOW"}}""";

    [Test]
    public async Task A_batch_outside_its_bounds_is_400_naming_the_field()
    {
        var (_, token) = await SignUpAsync("alice");
        var empty = await BatchAsync(token, "");
        var tooMany = await BatchAsync(token, string.Join(',', Enumerable.Repeat(Create, 101)));
        var wrong = await BatchAsync(token, string.Join(',', Create, """{"method":"GET","path":"/api/v2/tasks"}""",
            """{"method":"POST","path":"/api/v2/batch","body":{}}""", """{"method":"POST","path":"/api/v2/tokens","body":{}}""",
            """{"method":"PATCH","path":"/api/v2/tasks/abc","body":{}}""", """{"method":"POST","path":"/api/v2/tasks","body":[1]}"""));

        var errors = (await AssertProblemAsync(wrong, HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Multiple(async () =>
        {
            Assert.That((await AssertProblemAsync(empty, HttpStatusCode.BadRequest))["errors"]!["operations"], Is.Not.Null);
            Assert.That((await AssertProblemAsync(tooMany, HttpStatusCode.BadRequest))["errors"]!["operations"], Is.Not.Null);
            Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[]
            {
                "operations[1].method", "operations[2].path", "operations[3].path", "operations[4].path", "operations[5].body",
            }));
            Assert.That(errors["operations[2].path"]![0]!.GetValue<string>(), Does.Contain("cannot contain a batch"));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero, "nothing ran");
        });
    }

    [Test]
    public async Task An_Idempotency_Key_longer_than_200_characters_is_400_on_a_batch_as_on_a_create()
    {
        var (_, token) = await SignUpAsync("alice");
        var batch = await BatchAsync(token, Create, new string('k', 201));
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v2/tasks") { Content = Json("""{"task_name":"Once","priority":"LOW"}""") };
        create.Headers.Authorization = new("Bearer", token);
        create.Headers.Add("Idempotency-Key", new string('k', 201));
        var created = await Client.SendAsync(create);

        Assert.Multiple(async () =>
        {
            foreach (var response in new[] { batch, created })
            {
                Assert.That((await AssertProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["idempotency-key"]![0]!.GetValue<string>(),
                    Is.EqualTo("Idempotency-Key must be 1 to 200 characters long."));
            }
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.Zero);
        });
    }

    [Test]
    public async Task An_Idempotency_Key_replays_the_first_answer_and_runs_nothing_again()
    {
        var (_, token) = await SignUpAsync("alice");
        var first = await BatchAsync(token, Create + "," + Create, "retry-1");
        var again = await BatchAsync(token, Create + "," + Create, "retry-1");
        var otherBody = await BatchAsync(token, Create, "retry-1");

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(otherBody.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_token_that_may_only_read_is_refused_with_insufficient_scope()
    {
        var (_, session) = await SignUpAsync("alice");
        var (_, reader) = await CreatePersonalTokenAsync(session, "tasks:read");
        var (_, writer) = await CreatePersonalTokenAsync(session, "tasks:write");

        var refused = await BatchAsync(reader, Create);
        var allowed = await BatchAsync(writer, Create);

        Assert.Multiple(async () =>
        {
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
            Assert.That(refused.Headers.WwwAuthenticate.ToString(), Does.Contain("insufficient_scope").And.Contain("scope=\"tasks:write\""));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Each_operation_counts_against_the_rate_limit_as_one_call()
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("batchlimit"), RateLimitHeadersTests.SmallBucket());
        var alice = await SignedInClient.SignUpAsync(app);
        var four = $$"""{"operations":[{{string.Join(',', Enumerable.Repeat(Create, 4))}}]}""";

        var first = await alice.SendAsync(HttpMethod.Post, "/api/v2/batch", four); // 6 permits, 4 taken
        var second = await alice.SendAsync(HttpMethod.Post, "/api/v2/batch", four); // at most 3 left by now

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
            Assert.That(RateLimitHeadersTests.Remaining(first), Is.LessThanOrEqualTo(3), "four calls taken (one may have refilled)");
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(second.Headers.RetryAfter, Is.Not.Null);
            Assert.That(await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM tasks"), Is.EqualTo(4), "the refused batch ran nothing");
        });
    }

    private async Task<HttpResponseMessage> BatchAsync(string token, string operations, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/batch") { Content = Json($$"""{"operations":[{{operations}}]}""") };
        request.Headers.Authorization = new("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await Client.SendAsync(request);
    }
}
