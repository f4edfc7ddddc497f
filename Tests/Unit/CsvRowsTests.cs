using TaskManager.Features.Imports;

namespace TaskManager.UnitTests;

/// <summary>The CSV import's row rules, without a server.</summary>
public sealed class CsvRowsTests
{
    private static readonly Dictionary<string, long> Users = new() { ["john_doe"] = 7 };

    private static (ValidRow? Row, List<RowError>? Errors) Parse(params (string Column, string Value)[] cells) =>
        CsvRows.Parse(1, column => cells.FirstOrDefault(c => c.Column == column).Value, Users, 1, new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc), 10);

    [Test]
    public void A_valid_row_becomes_a_task_assigned_by_username()
    {
        var (row, errors) = Parse(("task_name", " Report "), ("priority", "high"), ("status", "no"), ("assigned_user", "JOHN_DOE"), ("created_at", "4/2/2025"));

        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.Null);
            Assert.That(row!.TaskName, Is.EqualTo("Report"));
            Assert.That(row.Priority, Is.EqualTo("HIGH"));
            Assert.That(row.Status, Is.False);
            Assert.That(row.AssignedUserId, Is.EqualTo(7));
            Assert.That(row.CreatedAt, Is.EqualTo(new DateTime(2025, 4, 2, 0, 0, 0, DateTimeKind.Utc)));
        });
    }

    [Test]
    public void A_long_bad_cell_is_kept_as_a_prefix_with_its_length_and_the_message_stays_short()
    {
        var cell = new string('x', 5_000);
        var error = Parse(("task_name", "T"), ("priority", cell)).Errors!.Single();

        Assert.Multiple(() =>
        {
            Assert.That(error.Code, Is.EqualTo("invalid_priority"));
            Assert.That(error.Value, Is.EqualTo(cell[..10]));
            Assert.That(error.ValueLength, Is.EqualTo(5_000));
            Assert.That(error.Message, Has.Length.LessThan(120));
        });
    }

    [Test]
    public void A_NUL_in_any_cell_is_a_row_error_whose_value_shows_no_NUL()
    {
        var error = Parse(("task_name", "a\0b"), ("priority", "LOW")).Errors!.Single();

        Assert.Multiple(() =>
        {
            Assert.That(error.Code, Is.EqualTo("invalid_character"));
            Assert.That(error.Value, Is.EqualTo("a\uFFFDb"));
        });
    }

    [Test]
    public void Shortening_never_cuts_a_surrogate_pair() =>
        Assert.That(CsvRows.Shorten("abc\U0001F600", 4), Is.EqualTo("abc"));

    [TestCase("2026-12-24", "TRUE", 2026, 12, 24, true)]
    [TestCase("12/24/2026", "no", 2026, 12, 24, false)]
    [TestCase("", "", 0, 0, 0, false)]
    public void Due_date_and_done_are_optional_columns(string due, string done, int year, int month, int day, bool isDone)
    {
        var (row, errors) = Parse(("task_name", "T"), ("priority", "LOW"), ("due_date", due), ("done", done));

        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.Null);
            Assert.That(row!.DueDate, Is.EqualTo(year == 0 ? (DateOnly?)null : new DateOnly(year, month, day)));
            Assert.That(row.Done, Is.EqualTo(isDone));
        });
    }

    [Test]
    public void A_bad_due_date_or_done_is_a_row_error_naming_its_column() =>
        Assert.That(Parse(("task_name", "T"), ("priority", "LOW"), ("due_date", "2026-02-30"), ("done", "maybe")).Errors!.Select(e => $"{e.Column}|{e.Code}"),
            Is.EqualTo(new[] { "due_date|invalid_date", "done|invalid_done" }));

    [Test]
    public void An_id_column_is_not_one_the_import_reads() =>
        Assert.That(CsvRows.MapHeader(["id", "task_name", "priority", "DONE"]).Keys, Is.EquivalentTo(new[] { "task_name", "priority", "done" }));

    [TestCase("=1+1", "'=1+1")]
    [TestCase(" =1+1", "' =1+1")]
    [TestCase("\n=1", "'\n=1")]
    [TestCase("\uFF1D1", "'\uFF1D1")]
    [TestCase("\t@x", "'\t@x")]
    [TestCase("-5", "'-5")]
    [TestCase("plain text", "plain text")]
    [TestCase("a=b", "a=b")]
    [TestCase("", "")]
    public void Cells_a_spreadsheet_would_run_as_formulas_are_neutralised(string cell, string written) =>
        Assert.That(CsvRows.Neutralize(cell), Is.EqualTo(written));
}
