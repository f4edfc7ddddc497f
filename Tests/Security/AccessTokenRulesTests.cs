using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>A refused token's 401 says invalid_token, never why.</summary>
public sealed class AccessTokenRulesTests : ApiTest
{
    [Test]
    public async Task A_refused_tokens_401_says_invalid_token_and_not_why()
    {
        var (id, _) = await SignUpAsync("alice");
        var responses = new[]
        {
            await SendAsync(HttpMethod.Get, "/api/me", TestTokens.For(id, "alice", ["user"], issuer: "evil")),
            await SendAsync(HttpMethod.Get, "/api/me", TestTokens.For(id, "alice", ["user"], expires: DateTime.UtcNow.AddMinutes(-5))),
            await SendAsync(HttpMethod.Get, "/api/me", TestTokens.For(id, "alice", ["user"], key: new string('k', 64))),
        };

        Assert.Multiple(() =>
        {
            foreach (var response in responses)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
                Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer error=\"invalid_token\""));
            }
        });
    }

    [Test]
    public async Task A_request_without_a_token_gets_a_bare_bearer_challenge()
    {
        var response = await Client.GetAsync("/api/me");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
    }
}
