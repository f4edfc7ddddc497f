using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Accounts;

public sealed class SearchUsersTests : ApiTest
{
    [Test]
    public async Task Anyone_signed_in_finds_active_assignees_by_part_of_their_name_with_ids_and_usernames_only()
    {
        var (_, token) = await SignUpAsync("viewer");
        foreach (var name in new[] { "John_Doe", "jane_doe", "doe.ray", "mike" })
        {
            await RegisterAsync(name);
        }
        var (_, admin) = await SignUpAdminAsync();
        var rayId = await Sql.ScalarAsync<long>(App.ConnectionString, "SELECT id FROM users WHERE username = 'doe.ray'");
        Assert.That((await SendAsync(HttpMethod.Put, $"/api/users/{rayId}/active", admin, Json("""{"active":false}"""))).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var response = await SendAsync(HttpMethod.Get, "/api/v2/users?q=DOE", token);
        var body = await ReadJsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var users = body["users"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(users.Select(u => u!["username"]!.GetValue<string>()), Is.EqualTo(new[] { "jane_doe", "John_Doe" }));
            Assert.That(users.SelectMany(u => u!.AsObject().Select(p => p.Key)).Distinct(), Is.EquivalentTo(new[] { "id", "username" }));
            Assert.That(body["next_cursor"], Is.Null);
        });
    }

    [Test]
    public async Task Pages_follow_the_cursor_and_a_cursor_of_another_query_or_an_altered_one_is_a_400()
    {
        var (_, token) = await SignUpAsync("viewer");
        foreach (var name in new[] { "ann", "bea", "cid" })
        {
            await RegisterAsync(name);
        }

        var first = await SendAsync(HttpMethod.Get, "/api/v2/users?limit=2", token);
        var cursor = (await ReadJsonAsync(first))["next_cursor"]!.GetValue<string>();
        var second = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/users?limit=2&cursor={Uri.EscapeDataString(cursor)}", token));

        Assert.Multiple(async () =>
        {
            Assert.That(first.Headers.GetValues("Link").Single(), Does.Contain("rel=\"next\""));
            Assert.That(second["users"]!.AsArray().Select(u => u!["username"]!.GetValue<string>()), Is.EqualTo(new[] { "cid", "viewer" }));
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/users?q=a&cursor={Uri.EscapeDataString(cursor)}", token), HttpStatusCode.BadRequest);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/v2/users?cursor=x{Uri.EscapeDataString(cursor)}", token), HttpStatusCode.BadRequest);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/v2/users?limit=0", token), HttpStatusCode.BadRequest);
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/v2/users", null), HttpStatusCode.Unauthorized);
        });
    }
}
