using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TaskManager.Features.Imports.RunImport;
using TaskManager.Features.Projects;
using TaskManager.Features.Tasks.ListTasks;
using TaskManager.Features.Tasks.PatchTask;
using TaskManager.Infrastructure.Hosting;
using TaskManager.Infrastructure.Http;

namespace TaskManager.UnitTests;

/// <summary>Reading what clients send, without a server: merge patches, list filters, the command line, long lines.</summary>
public sealed class InputTests
{
    private static PatchTaskRequest Patch(string json) => PatchTaskRequest.Read(JsonDocument.Parse(json).RootElement).Patch!;

    /// <summary>The key a merge patch is refused for: by its reader (a wrong JSON type) or by its validator (a wrong value).</summary>
    private static string BadField(string json)
    {
        var read = PatchTaskRequest.Read(JsonDocument.Parse(json).RootElement);
        if (read.Invalid is { } problem)
        {
            return ((HttpValidationProblemDetails)problem.Value).Errors.Keys.Single();
        }
        return ValidationFilter.Invalid(new PatchTaskValidator().Validate(read.Patch!)).Value is HttpValidationProblemDetails invalid
            ? invalid.Errors.Keys.Single()
            : "";
    }

    [Test]
    public void A_merge_patch_tells_clearing_from_leaving()
    {
        var patch = Patch("""{"description":null,"due_date":"2025-05-01","assigned_user_id":null,"id":5,"done":true}""");

        Assert.Multiple(() =>
        {
            Assert.That(new PatchTaskValidator().Validate(patch).IsValid, Is.True);
            Assert.That(patch.ClearDescription, Is.True);
            Assert.That(patch.DueDate, Is.EqualTo(new DateOnly(2025, 5, 1)));
            Assert.That(patch.ClearAssignee, Is.True);
            Assert.That(patch.Done, Is.True);
            Assert.That(patch.TaskName, Is.Null, "absent: left as it is");
        });
    }

    [TestCase("""{"task_name":""}""", "task_name")]
    [TestCase("""{"priority":3}""", "priority")]
    [TestCase("""{"due_date":"2025-13-01"}""", "due_date")]
    [TestCase("""{"assigned_user_id":0}""", "assigned_user_id")]
    public void A_bad_field_in_a_merge_patch_is_named(string json, string field) =>
        Assert.That(BadField(json), Is.EqualTo(field));

    private static ListTasksRequest Request(string? priority = null, string? sort = null, string? limit = null, string? q = null, string? assignee = null) =>
        new(q, priority, null, assignee, null, null, null, null, null, null, sort, limit, null);

    [Test]
    public void List_filters_are_checked_and_name_the_bad_parameter()
    {
        var bad = TaskFilters.Parse(Request(priority: "LOW,URGENT", sort: "colour", limit: "500"), 1, Scope.Everything);

        Assert.That(bad.Errors.Keys, Is.EquivalentTo(new[] { "priority", "sort", "limit" }));
    }

    [Test]
    public void Me_stands_for_the_caller_and_each_query_has_its_own_fingerprint()
    {
        var mine = TaskFilters.Parse(Request(assignee: "me,9"), 4, Scope.Everything);
        var byName = TaskFilters.Parse(Request(assignee: "me,9", sort: "task_name"), 4, Scope.Everything);

        Assert.Multiple(() =>
        {
            Assert.That(mine.Errors, Is.Empty);
            Assert.That(mine.Fingerprint, Does.Contain("Assignees=\"4,9\""));
            Assert.That(TaskFilters.Parse(Request(q: "a;Priorities=HIGH"), 4, Scope.Everything).Fingerprint,
                Is.Not.EqualTo(TaskFilters.Parse(Request(q: "a", priority: "HIGH"), 4, Scope.Everything).Fingerprint), "words cannot pose as a filter");
            Assert.That(byName.Fingerprint, Is.Not.EqualTo(mine.Fingerprint));
            Assert.That(TaskFilters.Parse(Request(q: "report"), 4, Scope.Everything).ByRelevance, Is.True, "q without sort orders by relevance");
        });
    }

    [Test]
    public void The_command_line_names_its_commands_and_refuses_others()
    {
        var admin = CommandLine.Parse(["create-admin", "--username", "root", "--email=root@example.com"]);

        Assert.Multiple(() =>
        {
            Assert.That(admin.Action, Is.EqualTo("create-admin"));
            Assert.That(admin.Options["email"], Is.EqualTo("root@example.com"));
            Assert.That(CommandLine.Parse(["--Role", "api"]).Action, Is.Null);
            Assert.Throws<ArgumentException>(() => CommandLine.Parse(["drop-database"]));
        });
    }

    [Test]
    public void A_line_longer_than_the_limit_stops_the_reader_at_that_line()
    {
        using var guard = new LineLengthGuard(new StringReader("short\n" + new string('a', 50) + "\n"), 20);

        var ex = Assert.Throws<InvalidDataException>(() => guard.ReadToEnd());
        Assert.That(ex!.Message, Does.Contain("line 2"));
    }
}
