using System.Globalization;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Database;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.Mediation;
using TaskManager.Infrastructure.OpenApi;

namespace TaskManager.Features.TaskLog.ListTaskLog;

public sealed record ListTaskLogV2Request(
    [property: FromQuery(Name = "date")] string? Date,
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "priority")] string? Priority,
    [property: FromQuery(Name = "assigned_user_id")] long? AssignedUserId,
    [property: FromQuery(Name = "task_id")] long? TaskId,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor);

public sealed class ListTaskLogV2Validator : AbstractValidator<ListTaskLogV2Request>
{
    public ListTaskLogV2Validator()
    {
        RuleFor(r => r.Date).Must(d => d is null || ListTaskLogValidator.ParseDate(d) is not null).WithMessage(ListTaskLogValidator.InvalidDate);
        RuleFor(r => r.From).Must(d => d is null || ListTaskLogValidator.ParseDate(d) is not null).WithMessage(ListTaskLogValidator.InvalidDate);
        RuleFor(r => r.To).Must(d => d is null || ListTaskLogValidator.ParseDate(d) is not null).WithMessage(ListTaskLogValidator.InvalidDate);
        RuleFor(r => r.Status).Must(s => ListTaskLogValidator.ParseStatus(s) is not null).When(r => r.Status is not null)
            .WithMessage("status must be true or false.");
        RuleFor(r => r.Priority).ValidPriority().When(r => r.Priority is not null);
        RuleFor(r => r.Limit).Must(l => CursorPages.Limit(l) is not null).WithMessage("limit must be a whole number from 1 to 100.");
    }
}

public sealed record TaskLogPage(IReadOnlyList<TaskLogEntry> Entries, string? NextCursor);

public sealed record ListTaskLogV2Query(ListTaskLogQuery Filters, string? Cursor) : IQuery<Outcome<TaskLogPage>>;

/// <summary>The daily log in v1's order (newest date, then id, descending), paged by keyset instead of offset, so a
/// deep page costs what the first does. Not cached: each page is an index range read.</summary>
public sealed class ListTaskLogV2Handler(NpgsqlDataSource db, Cursors cursors, IOptions<DatabaseOptions> database)
    : IQueryHandler<ListTaskLogV2Query, Outcome<TaskLogPage>>
{
    public async ValueTask<Outcome<TaskLogPage>> Handle(ListTaskLogV2Query query, CancellationToken ct)
    {
        var f = query.Filters;
        var fingerprint = string.Create(CultureInfo.InvariantCulture, $"log:{f.Date}:{f.From}:{f.To}:{f.Status}:{f.Priority}:{f.AssignedUserId}:{f.TaskId}");
        var where = ListTaskLogHandler.Where(f);
        var args = new DynamicParameters(f);
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, fingerprint) is not [var date, var id] ||
                !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var afterDate) ||
                !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var afterId))
            {
                return Outcome<TaskLogPage>.Invalid("cursor", "cursor is not one this list gave for this query.");
            }
            where.Append(where.Length == 0 ? "WHERE " : " AND ").Append("(l.log_date, l.id) < (@AfterDate, @AfterId)");
            args.Add("AfterDate", afterDate);
            args.Add("AfterId", afterId);
        }
        args.Add("PageSize", f.PerPage + 1);
        var sql = $"""
            SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
                   t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
            FROM task_logger l
            JOIN tasks t ON t.id = l.task_id
            LEFT JOIN users u ON u.id = t.assigned_user_id
            {where}
            ORDER BY l.log_date DESC, l.id DESC
            LIMIT @PageSize
            """;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<TaskLogEntry>(new CommandDefinition(sql, args,
            commandTimeout: database.Value.ReadTimeoutSeconds, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, f.PerPage, cursors, fingerprint,
            e => [e.LogDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Id.ToString(CultureInfo.InvariantCulture)]);
        return new TaskLogPage(page, next);
    }
}

public static class ListTaskLogV2Endpoint
{
    public static RouteHandlerBuilder MapListTaskLogV2(this IEndpointRouteBuilder app) => app
        .MapGet("/", HandleAsync)
        .WithName("ListTaskLogV2")
        .WithSummary("List the daily log")
        .WithDescription("The daily task log, newest date first, then id descending, with v1's filters, paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link);

    private static async Task<Results<Ok<TaskLogPage>, ValidationProblem>> HandleAsync(
        [AsParameters] ListTaskLogV2Request request, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var filters = new ListTaskLogQuery(1, CursorPages.Limit(request.Limit)!.Value,
            ListTaskLogValidator.ParseDate(request.Date), ListTaskLogValidator.ParseDate(request.From), ListTaskLogValidator.ParseDate(request.To),
            ListTaskLogValidator.ParseStatus(request.Status), TaskRules.NormalizePriority(request.Priority), request.AssignedUserId, request.TaskId);
        var outcome = await mediator.Send(new ListTaskLogV2Query(filters, request.Cursor), ct);
        if (!outcome.IsOk)
        {
            return Problems.Validation(outcome.Field!, outcome.Error);
        }
        CursorPages.LinkNext(http, outcome.Value!.NextCursor);
        return TypedResults.Ok(outcome.Value);
    }
}
