using System.Net;
using TaskManager.Tests.Infrastructure.RateLimiting;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Tokens;

/// <summary>Each personal access token has a rate-limit bucket of its own, apart from its user's sessions.</summary>
public sealed class TokenRateLimitTests
{
    [Test]
    public async Task A_token_counts_against_its_own_bucket_not_its_users_sessions()
    {
        await using var app = new TaskManagerApp(await TestDatabase.CreateAsync("bucket"), RateLimitHeadersTests.SmallBucket());
        var session = await SignedInClient.SignUpAsync(app);
        var token = session with { Token = await RateLimitHeadersTests.CreateTokenAsync(session, "\"tasks:read\"") };
        var other = session with { Token = await RateLimitHeadersTests.CreateTokenAsync(session, "\"tasks:read\"") };
        var sessionLeft = RateLimitHeadersTests.Remaining(await session.SendAsync(HttpMethod.Get, "/api/me"));

        HttpResponseMessage? limited = null;
        var tokenLeft = new List<long>();
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await token.SendAsync(HttpMethod.Get, "/api/me");
            tokenLeft.Add(RateLimitHeadersTests.Remaining(response));
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }
        var sessionAfter = await session.SendAsync(HttpMethod.Get, "/api/me");
        var otherToken = await other.SendAsync(HttpMethod.Get, "/api/me");

        Assert.Multiple(() =>
        {
            Assert.That(tokenLeft[0], Is.EqualTo(5), "a fresh bucket: the session's calls did not count against the token");
            Assert.That(limited, Is.Not.Null, "the token was throttled");
            Assert.That(limited!.Headers.RetryAfter, Is.Not.Null);
            Assert.That(sessionAfter.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the session keeps its own budget");
            Assert.That(RateLimitHeadersTests.Remaining(sessionAfter), Is.GreaterThanOrEqualTo(sessionLeft - 1));
            Assert.That(otherToken.StatusCode, Is.EqualTo(HttpStatusCode.OK), "and so does another token of the same user");
        });
    }
}
