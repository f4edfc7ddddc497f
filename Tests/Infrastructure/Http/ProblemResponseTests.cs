using System.Net;
using TaskManager.Tests.Support;

namespace TaskManager.Tests.Infrastructure.Http;

/// <summary>Bad input of every kind gets a 4xx problem+json that says what was wrong.</summary>
public sealed class ProblemResponseTests : ApiTest
{
    [TestCase("""{"username":"alice",""", TestName = "Truncated_JSON_is_400")]
    [TestCase("""not json at all""", TestName = "Text_that_is_not_JSON_is_400")]
    [TestCase("""{"username": 5, "email": "a@example.com", "password": "correct-horse-1"}""", TestName = "A_number_where_a_string_belongs_is_400")]
    [TestCase("""["a", "b"]""", TestName = "An_array_instead_of_an_object_is_400")]
    public async Task Malformed_JSON_is_a_400_problem(string body)
    {
        var problem = await AssertProblemAsync(await Client.PostAsync("/api/register", Json(body)), HttpStatusCode.BadRequest);
        Assert.That(problem["message"]!.GetValue<string>(), Does.Contain("JSON").Or.Contain("wrong type"));
    }

    [Test]
    public async Task A_field_of_the_wrong_type_is_named()
    {
        var response = await Client.PostAsync("/api/login", Json("""{"username": 5, "password": "x"}"""));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["message"]!.GetValue<string>(), Does.Contain("'username'").And.Not.Contain("System."));
    }

    [TestCase("GET", "/api/users?page=abc", "page: 'abc' is not a valid integer.")]
    [TestCase("GET", "/api/users?per_page=1.5", "per_page: '1.5' is not a valid integer.")]
    [TestCase("GET", "/api/tasks?assigned_user_id=bob", "assigned_user_id: 'bob' is not a valid integer.")]
    [TestCase("DELETE", "/api/task/1?permanent=maybe", "permanent: 'maybe' is not true or false.")]
    public async Task A_query_value_of_the_wrong_type_is_named_by_its_field_not_by_a_dotnet_type(string method, string url, string message)
    {
        var (_, admin) = await SignUpAdminAsync();

        var problem = await AssertProblemAsync(await SendAsync(new HttpMethod(method), url, admin), HttpStatusCode.BadRequest);

        Assert.That(problem["message"]!.GetValue<string>(), Is.EqualTo(message));
    }

    [Test]
    public async Task A_long_query_value_is_echoed_only_in_part()
    {
        var (_, admin) = await SignUpAdminAsync();

        var problem = await AssertProblemAsync(await SendAsync(HttpMethod.Get, "/api/users?page=" + new string('9', 500), admin), HttpStatusCode.BadRequest);

        Assert.That(problem["message"]!.GetValue<string>(), Is.EqualTo($"page: '{new string('9', 40)}...' is not a valid integer."));
    }

    [Test]
    public async Task A_missing_body_is_400()
    {
        var response = await Client.PostAsync("/api/login", new StringContent("", System.Text.Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["message"]!.GetValue<string>(), Is.EqualTo("A JSON request body is required."));
    }

    [Test]
    public async Task A_body_that_is_not_JSON_content_is_415()
    {
        var response = await Client.PostAsync("/api/login", new StringContent("username=alice", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task An_unknown_route_is_a_404_problem()
    {
        await AssertProblemAsync(await Client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_wrong_method_is_a_405_problem()
    {
        await AssertProblemAsync(await Client.DeleteAsync("/api/login"), HttpStatusCode.MethodNotAllowed);
    }
}
