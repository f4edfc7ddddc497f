using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Features.Projects;

/// <summary>Who belongs to a project: owners add and change members, members may leave, and a project always keeps an
/// owner, also when two of them try to step down at the same moment.</summary>
public sealed class ProjectMembersTests : ApiTest
{
    [Test]
    public async Task An_owner_adds_changes_and_removes_members_and_a_removed_member_loses_the_project_at_once()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var id = await CreateProjectAsync(alice);

        var added = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", alice, Json("""{"role":"viewer"}"""));
        var bobSees = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", bob);
        var changed = await ReadJsonAsync(await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", alice, Json("""{"role":"editor"}""")));
        var members = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}/members", bob));
        var removed = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{bobId}", alice);
        var bobAfter = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", bob);

        var member = await ReadJsonAsync(added);
        Assert.Multiple(() =>
        {
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(member["username"]!.GetValue<string>(), Is.EqualTo("bob"));
            Assert.That(member["role"]!.GetValue<string>(), Is.EqualTo("viewer"));
            Assert.That(member["added_at"], Is.Not.Null);
            Assert.That(bobSees.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(changed["role"]!.GetValue<string>(), Is.EqualTo("editor"));
            Assert.That(members["members"]!.AsArray().Select(m => (m!["user_id"]!.GetValue<long>(), m["role"]!.GetValue<string>())),
                Is.EqualTo(new[] { (aliceId, "owner"), (bobId, "editor") }));
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(bobAfter.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Members_may_leave_but_not_remove_others_and_the_last_owner_stays()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        var (carolId, _) = await SignUpAsync("carol");
        var id = await CreateProjectAsync(alice);
        await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", alice, Json("""{"role":"editor"}"""));
        await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{carolId}", alice, Json("""{"role":"viewer"}"""));

        var bobRemovesCarol = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{carolId}", bob);
        var bobAddsHimselfOwner = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", bob, Json("""{"role":"owner"}"""));
        var aliceLeaves = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{aliceId}", alice);
        var aliceSteppingDown = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{aliceId}", alice, Json("""{"role":"editor"}"""));
        var bobLeaves = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{bobId}", bob);
        var unknownUser = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/999999", alice, Json("""{"role":"viewer"}"""));
        var badRole = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{carolId}", alice, Json("""{"role":"boss"}"""));
        var notMember = await SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{bobId}", alice);

        Assert.Multiple(async () =>
        {
            await AssertProblemAsync(bobRemovesCarol, HttpStatusCode.Forbidden);
            await AssertProblemAsync(bobAddsHimselfOwner, HttpStatusCode.Forbidden);
            await AssertProblemAsync(aliceLeaves, HttpStatusCode.Conflict);
            await AssertProblemAsync(aliceSteppingDown, HttpStatusCode.Conflict);
            Assert.That(bobLeaves.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            await AssertProblemAsync(unknownUser, HttpStatusCode.NotFound);
            Assert.That((await AssertProblemAsync(badRole, HttpStatusCode.BadRequest))["errors"]!["role"], Is.Not.Null);
            await AssertProblemAsync(notMember, HttpStatusCode.NotFound);
        });
    }

    [Test]
    public async Task Two_owners_stepping_down_at_once_leave_one_owner()
    {
        var (aliceId, alice) = await SignUpAsync("alice");
        var (bobId, bob) = await SignUpAsync("bob");
        for (var round = 0; round < 10; round++)
        {
            var id = await CreateProjectAsync(alice);
            await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", alice, Json("""{"role":"owner"}"""));

            var answers = await Task.WhenAll(
                SendAsync(HttpMethod.Delete, $"/api/v2/projects/{id}/members/{aliceId}", alice),
                SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{bobId}", bob, Json("""{"role":"viewer"}""")));

            Assert.Multiple(async () =>
            {
                Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(1), "one of the two is refused");
                Assert.That(answers.Count(a => a.IsSuccessStatusCode), Is.EqualTo(1), "and the other done");
                Assert.That(await Sql.ScalarAsync<long>(App.ConnectionString,
                    "SELECT count(*) FROM project_members WHERE project_id = @p AND role = 'owner'", ("p", id)), Is.EqualTo(1));
            });
        }
    }

    [Test]
    public async Task A_public_projects_bystander_reads_it_and_its_members_but_cannot_change_them()
    {
        var (_, alice) = await SignUpAsync("alice");
        var (daveId, dave) = await SignUpAsync("dave");
        var created = await SendAsync(HttpMethod.Post, "/api/v2/projects", alice, Json("""{"name":"Open","visibility":"public"}"""));
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<long>();

        var read = await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}", dave));
        var members = await SendAsync(HttpMethod.Get, $"/api/v2/projects/{id}/members", dave);
        var join = await SendAsync(HttpMethod.Put, $"/api/v2/projects/{id}/members/{daveId}", dave, Json("""{"role":"owner"}"""));
        var patch = await SendAsync(HttpMethod.Patch, $"/api/v2/projects/{id}", dave, Json("""{"name":"Dave's"}"""));

        Assert.Multiple(async () =>
        {
            Assert.That(read["my_role"], Is.Null);
            Assert.That(members.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertProblemAsync(join, HttpStatusCode.Forbidden);
            await AssertProblemAsync(patch, HttpStatusCode.Forbidden);
        });
    }
}
