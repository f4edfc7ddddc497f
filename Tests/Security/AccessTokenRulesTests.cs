using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Security;

/// <summary>Correctly signed tokens that the service never issues are refused; and a refused token's 401 says
/// invalid_token, never why.</summary>
public sealed class AccessTokenRulesTests : ApiTest
{
    private async Task<HttpResponseMessage> MeAsync(Func<long, string> token)
    {
        var (id, _) = await SignUpAsync("alice");
        return await SendAsync(HttpMethod.Get, "/api/me", token(id));
    }

    [Test]
    public async Task A_token_made_as_these_tests_make_them_is_accepted()
    {
        // The control for the refusals below: the same helper, a version claim of 0 and the full lifetime plus 20 s.
        var response = await MeAsync(id => TestTokens.For(id, "alice", ["user"], expires: DateTime.UtcNow.AddMinutes(15).AddSeconds(20),
            claims: new Dictionary<string, object> { ["tv"] = 0 }));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("exp")]
    [TestCase("https://example.com/must-understand")]
    public async Task A_token_whose_crit_header_names_any_parameter_is_refused(string critical)
    {
        var response = await MeAsync(id => TestTokens.For(id, "alice", ["user"],
            header: new Dictionary<string, object> { ["crit"] = new[] { critical } }));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [TestCase(-1)]
    [TestCase(1.5)]
    [TestCase("0")]
    public async Task A_token_version_that_is_not_a_non_negative_integer_is_refused(object version)
    {
        // The account's version is 0; each of these used to be read as 0 and accepted.
        var response = await MeAsync(id => TestTokens.For(id, "alice", ["user"], claims: new Dictionary<string, object> { ["tv"] = version }));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_token_that_expires_ten_years_from_now_is_refused()
    {
        var response = await MeAsync(id => TestTokens.For(id, "alice", ["user"], expires: DateTime.UtcNow.AddYears(10)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_token_that_expires_later_than_the_lifetime_plus_the_skew_is_refused()
    {
        // 15 minutes of lifetime, 30 seconds of skew.
        var response = await MeAsync(id => TestTokens.For(id, "alice", ["user"], expires: DateTime.UtcNow.AddMinutes(16)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

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
