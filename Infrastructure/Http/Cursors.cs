using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace TaskManager.Infrastructure.Http;

/// <summary>Opaque, tamper-evident paging cursors: the position after the last row of a page (the sort key and id),
/// bound by an HMAC to the query that made it, so an altered cursor, or one from another query, is refused.</summary>
public sealed class Cursors(IOptions<JwtOptions> jwt)
{
    // Derived on first use: commands that never page (create-admin, migrate) need no signing key.
    private readonly Lazy<byte[]> key = new(() => HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwt.Value.SigningKey), "taskmanager cursors"u8));

    /// <summary>The cursor of a position within the query described by <paramref name="query"/> (its filters and sort).</summary>
    public string Encode(string query, string[] position)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(position);
        return WebEncoders.Base64UrlEncode(payload) + "." + WebEncoders.Base64UrlEncode(Sign(query, payload));
    }

    /// <summary>The position a cursor holds, or null when it is malformed, altered or from another query.</summary>
    public string[]? Decode(string cursor, string query)
    {
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || cursor.Length > 2048)
        {
            return null;
        }
        try
        {
            var payload = WebEncoders.Base64UrlDecode(cursor[..dot]);
            var mac = WebEncoders.Base64UrlDecode(cursor[(dot + 1)..]);
            return CryptographicOperations.FixedTimeEquals(mac, Sign(query, payload))
                ? JsonSerializer.Deserialize<string[]>(payload)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The id a cursor of a list paged by id holds, or null when there is none or it is not one of this query's.</summary>
    public long? DecodeId(IPageRequest page) =>
        page.Cursor is not null && Decode(page.Cursor, page.Fingerprint()) is [var id] ? QueryValues.Number(id) : null;

    /// <summary>A cursor of a list paged by (time, uuid); false when it is not one this list gave.</summary>
    public bool TryDecodeTimeAndId(string cursor, string query, out DateTime time, out Guid id)
    {
        time = default;
        id = Guid.Empty;
        return Decode(cursor, query) is [var t, var i] &&
               DateTime.TryParseExact(t, "O", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out time) && Guid.TryParse(i, out id);
    }

    private byte[] Sign(string query, byte[] payload)
    {
        byte[] message = [.. Encoding.UTF8.GetBytes(query), 0, .. payload];
        return HMACSHA256.HashData(key.Value, message)[..16];
    }
}
