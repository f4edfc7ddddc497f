using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using TaskManager.Features.Imports.RunImport;
using TaskManager.Features.Projects;
using TaskManager.Features.Tasks.ExportTasks;
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
        new() { Q = q, Priority = priority, AssignedUserId = assignee, Sort = sort, Limit = limit };

    private static Dictionary<string, string> Errors(IValidator validator, object request) =>
        validator.Validate(new ValidationContext<object>(request)).Errors.ToDictionary(e => ValidationFilter.FieldName(e.PropertyName), e => e.ErrorMessage);

    [Test]
    public void List_filters_are_checked_and_name_the_bad_parameter()
    {
        var bad = Errors(new ListTasksValidator(), Request(priority: "LOW,URGENT", sort: "colour", limit: "500", assignee: "me,x"));

        Assert.Multiple(() =>
        {
            Assert.That(bad.Keys, Is.EqualTo(new[] { "priority", "assigned_user_id", "sort", "limit" }), "all at once, in the list's order");
            Assert.That(bad["sort"], Is.EqualTo("sort must be one of created_at, updated_at, due_date, priority, task_name, optionally prefixed by - for descending."));
            Assert.That(bad["limit"], Is.EqualTo("limit must be a whole number from 1 to 100."));
            Assert.That(Errors(new ListTasksValidator(), new ListTasksRequest { Done = "yes", DueAfter = "2025-02-30", UpdatedSince = "soon" }),
                Is.EqualTo(new Dictionary<string, string>
                {
                    ["done"] = "done must be true or false.",
                    ["due_after"] = "due_after must be a date (YYYY-MM-DD).",
                    ["updated_since"] = "updated_since must be a time (ISO 8601, such as 2025-04-01T09:30:00Z).",
                }));
            Assert.That(Errors(new ListTasksValidator(), Request(assignee: "me,9", q: " ", sort: "-due_date")), Is.Empty);
        });
    }

    [Test]
    public void The_export_takes_the_list_filters_but_no_paging() =>
        Assert.Multiple(() =>
        {
            Assert.That(Errors(new ExportTasksValidator(), new ExportTasksRequest { Limit = "500", Cursor = "x" }), Is.Empty);
            Assert.That(Errors(new ExportTasksValidator(), new ExportTasksRequest { Priority = "URGENT" }).Keys, Is.EqualTo(new[] { "priority" }));
        });

    [Test]
    public void Me_stands_for_the_caller_and_each_query_has_its_own_fingerprint()
    {
        var mine = TaskFilters.From(Request(assignee: "me,9"), 4, Scope.Everything);
        var byName = TaskFilters.From(Request(assignee: "me,9", sort: "task_name"), 4, Scope.Everything);

        Assert.Multiple(() =>
        {
            Assert.That(mine.Fingerprint, Does.Contain("Assignees=\"4,9\""));
            Assert.That(TaskFilters.From(Request(q: "a;Priorities=HIGH"), 4, Scope.Everything).Fingerprint,
                Is.Not.EqualTo(TaskFilters.From(Request(q: "a", priority: "HIGH"), 4, Scope.Everything).Fingerprint), "words cannot pose as a filter");
            Assert.That(byName.Fingerprint, Is.Not.EqualTo(mine.Fingerprint));
            Assert.That(TaskFilters.From(Request(q: "report"), 4, Scope.Everything).ByRelevance, Is.True, "q without sort orders by relevance");
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
