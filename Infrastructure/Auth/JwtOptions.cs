using System.ComponentModel.DataAnnotations;
using System.Text;

namespace TaskManager.Infrastructure.Auth;

/// <summary>How access tokens are signed and checked.</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public const int MinimumKeyBytes = 32; // 256 bits: HS256 must not be keyed with less than its output size (RFC 7518 3.2).

    [Required]
    public string Issuer { get; set; } = "taskmanager";

    [Required]
    public string Audience { get; set; } = "taskmanager-api";

    /// <summary>The HMAC secret, at least 32 bytes of UTF-8. Comes from the environment, never from a committed file.</summary>
    public string SigningKey { get; set; } = "";

    [Range(1, 1440)]
    public int AccessTokenMinutes { get; set; } = 15;

    public byte[] SigningKeyBytes() => Encoding.UTF8.GetBytes(SigningKey);
}

public sealed class JwtOptionsValidator : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return ValidateOptionsResult.Fail(
                "Jwt:SigningKey is missing. Set the environment variable Jwt__SigningKey to a random secret of at least " +
                $"{JwtOptions.MinimumKeyBytes} bytes (for example: openssl rand -base64 48).");
        }
        var length = options.SigningKeyBytes().Length;
        if (length < JwtOptions.MinimumKeyBytes)
        {
            return ValidateOptionsResult.Fail(
                $"Jwt:SigningKey is {length} bytes; HS256 needs at least {JwtOptions.MinimumKeyBytes} bytes (256 bits). " +
                "Generate one with: openssl rand -base64 48");
        }
        return ValidateOptionsResult.Success;
    }
}
