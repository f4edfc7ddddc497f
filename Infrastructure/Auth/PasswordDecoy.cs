using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace TaskManager.Infrastructure.Auth;

/// <summary>A hash of a random password, made with the configured work factor. A login for an unknown user
/// verifies against it, so it costs the same time as a wrong password for a real one; a decoy made with a
/// different iteration count would give away which names exist.</summary>
public sealed class PasswordDecoy(IPasswordHasher<object> hasher)
{
    private static readonly object Subject = new();
    private readonly Lazy<string> hash = new(() => hasher.HashPassword(Subject, Convert.ToBase64String(RandomNumberGenerator.GetBytes(18))));

    public string Hash => hash.Value;

    public void Verify(string password) => hasher.VerifyHashedPassword(Subject, hash.Value, password);
}
