namespace TaskManager.Infrastructure.Http;

/// <summary>page/per_page as every list takes them: page from 1, per_page 1 to 100.</summary>
public static class Paging
{
    public const int DefaultPerPage = 10;
    public const int MaxPerPage = 100;

    public static void ValidPage<T>(this IRuleBuilder<T, int?> rule) =>
        rule.GreaterThanOrEqualTo(1).WithMessage("page must be 1 or more.");

    public static void ValidPerPage<T>(this IRuleBuilder<T, int?> rule) =>
        rule.InclusiveBetween(1, MaxPerPage).WithMessage($"per_page must be between 1 and {MaxPerPage}.");

    public static int Pages(long total, int perPage) => (int)((total + perPage - 1) / perPage);
}
