using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace TaskManager.Features.Accounts;

/// <summary>Opaque refresh tokens: 256 random bits, base64url. Only their SHA-256 is stored, so the table
/// alone lets no one sign in; a fast hash is enough because the token is random, not a password.</summary>
public static class RefreshTokens
{
    public const int MaxLength = 100;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
