using System.Security.Cryptography;
using System.Text;
using StandardWebhooks;

namespace TaskManager.Features.Webhooks;

/// <summary>Webhook secrets: made here, shown once as `whsec_&lt;base64&gt;`, stored AES-GCM encrypted under a key that lives in
/// configuration (Webhooks:SecretKey, else derived from Jwt:SigningKey), so a database dump alone cannot sign.</summary>
public sealed class WebhookSecrets
{
    public const string Prefix = "whsec_";
    private const int SecretBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    // Derived on first use: commands that never touch webhooks (migrate, create-admin) need no key.
    private readonly Lazy<byte[]> lazyKey;

    public WebhookSecrets(IOptions<WebhookOptions> options, IOptions<JwtOptions> jwt) => lazyKey = new(() =>
        options.Value.SecretKey.Length > 0
            ? Convert.FromBase64String(options.Value.SecretKey)
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, jwt.Value.SigningKeyBytes(), 32, info: Encoding.UTF8.GetBytes("taskmanager-webhook-secrets")));

    private byte[] key => lazyKey.Value;

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    public static string Show(byte[] secret) => Prefix + Convert.ToBase64String(secret);

    public byte[] Protect(byte[] secret)
    {
        var sealedBox = new byte[NonceBytes + secret.Length + TagBytes];
        var nonce = sealedBox.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, secret, sealedBox.AsSpan(NonceBytes, secret.Length), sealedBox.AsSpan(NonceBytes + secret.Length));
        return sealedBox;
    }

    public byte[] Unprotect(byte[] sealedBox)
    {
        var secret = new byte[sealedBox.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBox.AsSpan(0, NonceBytes), sealedBox.AsSpan(NonceBytes, secret.Length), sealedBox.AsSpan(NonceBytes + secret.Length), secret);
        return secret;
    }

    /// <summary>The secret, or null when it was encrypted under another key.</summary>
    public byte[]? TryUnprotect(byte[] sealedBox)
    {
        try
        {
            return sealedBox.Length > NonceBytes + TagBytes ? Unprotect(sealedBox) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The webhook-signature header: `v1,&lt;base64&gt;` for each secret, space-separated (two while a rotation overlaps).</summary>
    public static string SignatureHeader(string webhookId, DateTimeOffset timestamp, string body, IEnumerable<byte[]> secrets) =>
        string.Join(' ', secrets.Select(s => new StandardWebhook(s).Sign(webhookId, timestamp, body)));
}
