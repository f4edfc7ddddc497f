using System.Globalization;

namespace TaskManager.Features.Accounts;

/// <summary>SPEC's rules for account fields, shared by registration and the create-admin command.</summary>
public static partial class AccountRules
{
    public static IRuleBuilderOptions<T, string?> ValidUsername<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Username is required.")
        .Length(3, 80).WithMessage("Username must be 3 to 80 characters long.")
        .Matches(UsernamePattern()).WithMessage("Username may contain only letters, digits, '_', '.' and '-'.");

    public static IRuleBuilderOptions<T, string?> ValidEmail<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Email is required.")
        .MaximumLength(120).WithMessage("Email must be at most 120 characters long.")
        .Must(email => email is null || !email.Any(IsInvisible)).WithMessage("Email must not contain control or invisible characters.")
        .Matches(EmailPattern()).WithMessage("Email must be a valid address, like name@example.com.");

    public static IRuleBuilderOptions<T, string?> ValidPassword<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Password is required.")
        .Length(8, 128).WithMessage("Password must be 8 to 128 characters long.")
        .NoControlCharacters("Password");

    /// <summary>Line breaks, tabs, NUL and the other C0/C1 controls: never part of a name, address or password
    /// typed by a person, and NUL cannot even be stored in a PostgreSQL text column.</summary>
    public static IRuleBuilderOptions<T, string?> NoControlCharacters<T>(this IRuleBuilder<T, string?> rule, string field) => rule
        .Must(value => value is null || !value.Any(char.IsControl))
        .WithMessage($"{field} must not contain control characters (line breaks, tabs, NUL).");

    // Format characters (zero-width spaces and joiners, direction overrides) make look-alikes of taken addresses.
    private static bool IsInvisible(char c) => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format;

    // \A and \z, not ^ and $: in .NET `$` also matches before a final "\n", which let "admin_bar\n" through.
    [System.Text.RegularExpressions.GeneratedRegex(@"\A[A-Za-z0-9_.\-]+\z")]
    private static partial System.Text.RegularExpressions.Regex UsernamePattern();

    // One '@', no spaces, a dot in the domain: strict enough to catch typos, loose enough for real addresses.
    [System.Text.RegularExpressions.GeneratedRegex(@"\A[^@\s]+@[^@\s.]+(\.[^@\s.]+)+\z")]
    private static partial System.Text.RegularExpressions.Regex EmailPattern();
}
