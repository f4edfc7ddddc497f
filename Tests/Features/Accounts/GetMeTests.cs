using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class GetMeTests : ApiTest
{
    [Test]
    public async Task A_signed_in_user_reads_their_own_account()
    {
        var (id, token) = await SignUpAsync("alice");

        var response = await SendAsync(HttpMethod.Get, "/api/me", token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var me = await ReadJsonAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That(me["id"]!.GetValue<long>(), Is.EqualTo(id));
            Assert.That(me["username"]!.GetValue<string>(), Is.EqualTo("alice"));
            Assert.That(me["email"]!.GetValue<string>(), Is.EqualTo("alice@example.com"));
            Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "user" }));
        });
    }

    [Test]
    public async Task Without_a_token_it_is_401()
    {
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", token: null), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_tampered_token_is_401()
    {
        var (id, _) = await SignUpAsync("alice");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", TestTokens.Tampered(id, "alice")), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task An_expired_token_is_401()
    {
        var (id, _) = await SignUpAsync("alice");
        var expired = TestTokens.For(id, "alice", ["user"], expires: DateTime.UtcNow.AddMinutes(-2));

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", expired), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task An_unsigned_alg_none_token_is_401()
    {
        var (id, _) = await SignUpAsync("alice");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", TestTokens.Unsigned(id, "alice", ["user"])), HttpStatusCode.Unauthorized);
    }

    [TestCase("issuer", TestName = "A_token_from_another_issuer_is_401")]
    [TestCase("audience", TestName = "A_token_for_another_audience_is_401")]
    [TestCase("key", TestName = "A_token_signed_with_another_key_is_401")]
    public async Task Tokens_not_made_by_this_service_are_401(string wrong)
    {
        var (id, _) = await SignUpAsync("alice");
        var token = wrong switch
        {
            "issuer" => TestTokens.For(id, "alice", ["user"], issuer: "someone-else"),
            "audience" => TestTokens.For(id, "alice", ["user"], audience: "another-api"),
            _ => TestTokens.For(id, "alice", ["user"], key: "another-signing-key-that-is-long-enough-0123456789"),
        };

        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", token), HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_valid_token_for_an_account_that_no_longer_exists_is_401()
    {
        var token = TestTokens.For(424242, "ghost", ["user"]);
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/me", token), HttpStatusCode.Unauthorized);
    }
}
