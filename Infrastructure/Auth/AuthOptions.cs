using System.ComponentModel.DataAnnotations;

namespace TaskManager.Infrastructure.Auth;

/// <summary>Passwords, refresh tokens, lockout and the per-request account check, from the <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>PBKDF2-HMAC-SHA512 iterations for new hashes (OWASP 2023: 210,000). Older hashes are upgraded at the next login.</summary>
    [Range(1_000, 10_000_000)]
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>How long an unused refresh token stays valid. Each rotation issues a new one with the full lifetime.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;

    /// <summary>Consecutive failed logins that lock an account.</summary>
    [Range(1, 1_000)]
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>How long a locked account refuses every login, the right password included.</summary>
    [Range(1, 1_440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>How long a process trusts what it read of an account (active, token version) before reading it
    /// again. Changes made through this process apply at once; those made through another within this bound.</summary>
    [Range(0, 300)]
    public int AccountCheckCacheSeconds { get; set; } = 5;
}
