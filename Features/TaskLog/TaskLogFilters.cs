using System.Text;
using TaskManager.Features.TaskLog.ListTaskLog;
using TaskManager.Features.Tasks;

namespace TaskManager.Features.TaskLog;

/// <summary>The query filters v1's and v2's daily-log lists share, so one validator checks both alike and one WHERE
/// clause reads both.</summary>
public interface ITaskLogFilters
{
    string? Date { get; }
    string? From { get; }
    string? To { get; }
    string? Status { get; }
    string? Priority { get; }
    long? AssignedUserId { get; }
    long? TaskId { get; }
    string? ProjectId { get; }
}

public static class TaskLogFilters
{
    public const string InvalidDate = "Invalid date format. Use YYYY-MM-DD";

    public static DateOnly? ParseDate(string? value) => QueryValues.Date(value);

    public static bool? ParseStatus(string? value) => QueryValues.Flag(value);

    /// <summary>The filters, checked by the validator already, as the list query takes them.</summary>
    public static ListTaskLogQuery ToQuery(this ITaskLogFilters f, int page, int perPage) => new(page, perPage,
        ParseDate(f.Date), ParseDate(f.From), ParseDate(f.To), ParseStatus(f.Status), TaskRules.NormalizePriority(f.Priority), f.AssignedUserId, f.TaskId)
    {
        ProjectIds = f.ProjectId is null ? [] : Projects.ProjectRules.ParseIds(f.ProjectId) ?? [],
    };

    /// <summary>The list's filters as a WHERE clause over `task_logger l` (v1's pages and v2's cursor pages alike).</summary>
    public static StringBuilder Where(ListTaskLogQuery query)
    {
        var where = new StringBuilder();
        Append(where, query.Date is not null, "l.log_date = @Date");
        Append(where, query.From is not null, "l.log_date >= @From");
        Append(where, query.To is not null, "l.log_date <= @To");
        Append(where, query.Status is not null, "l.status = @Status");
        Append(where, query.Priority is not null, "l.priority = @Priority");
        // Each log row carries its task's current assignee, so this is a range of ix_task_logger_assignee_date_id
        // in the list's order, however many tasks the assignee has.
        Append(where, query.AssignedUserId is not null, "l.assigned_user_id = @AssignedUserId");
        Append(where, query.TaskId is not null, "l.task_id = @TaskId");
        // Each log row carries its task's project (moved with the task), so these read the row alone.
        Append(where, query.ProjectIds.Length > 0, "l.project_id = ANY(@ProjectIds)");
        Append(where, query.HiddenProjects.Length > 0, "l.project_id <> ALL(@HiddenProjects)");
        return where;
    }

    private static void Append(StringBuilder where, bool present, string condition)
    {
        if (present)
        {
            where.Append(where.Length == 0 ? "WHERE " : " AND ").Append(condition);
        }
    }
}

public sealed class TaskLogFiltersValidator : AbstractValidator<ITaskLogFilters>
{
    public TaskLogFiltersValidator()
    {
        RuleFor(r => r.Date).Must(BeADate).WithMessage(TaskLogFilters.InvalidDate);
        RuleFor(r => r.From).Must(BeADate).WithMessage(TaskLogFilters.InvalidDate);
        RuleFor(r => r.To).Must(BeADate).WithMessage(TaskLogFilters.InvalidDate);
        RuleFor(r => r).Must(r => TaskLogFilters.ParseDate(r.From) <= TaskLogFilters.ParseDate(r.To)).OverridePropertyName("to")
            .WithMessage("to must not be before from.")
            .When(r => BeADate(r.From) && BeADate(r.To) && r.From is not null && r.To is not null);
        RuleFor(r => r.Status).Must(s => TaskLogFilters.ParseStatus(s) is not null).When(r => r.Status is not null)
            .WithMessage("status must be true or false.");
        RuleFor(r => r.Priority).ValidPriority().When(r => r.Priority is not null);
        RuleFor(r => r.ProjectId).Must(p => Projects.ProjectRules.ParseIds(p!) is not null).When(r => r.ProjectId is not null)
            .WithMessage(Projects.ProjectRules.IdsError);
    }

    private static bool BeADate(string? value) => value is null || TaskLogFilters.ParseDate(value) is not null;
}
