using FluentValidation;

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
        .Matches(EmailPattern()).WithMessage("Email must be a valid address, like name@example.com.");

    public static IRuleBuilderOptions<T, string?> ValidPassword<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Password is required.")
        .Length(8, 128).WithMessage("Password must be 8 to 128 characters long.");

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial System.Text.RegularExpressions.Regex UsernamePattern();

    // One '@', no spaces, a dot in the domain: strict enough to catch typos, loose enough for real addresses.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")]
    private static partial System.Text.RegularExpressions.Regex EmailPattern();
}
