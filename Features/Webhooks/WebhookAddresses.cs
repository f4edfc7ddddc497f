using System.Net;
using System.Net.Sockets;

namespace TaskManager.Features.Webhooks;

/// <summary>The SSRF guard: which URLs and addresses a webhook may reach. Checked when a URL is registered and again
/// at every connection (the dispatcher's ConnectCallback), so a DNS change cannot aim deliveries inward.</summary>
public sealed class WebhookAddresses(IOptions<WebhookOptions> options)
{
    /// <summary>Whether an address is internal: unspecified, loopback, private (RFC 1918, unique-local), link-local
    /// (cloud metadata lives there), CGNAT, multicast, broadcast or reserved; or 6to4 or IPv4-translated, whose relays
    /// and translators would carry a request to whichever IPv4 address is embedded.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsInternal(address.MapToIPv4());
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224                 // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and <= 127)        // CGNAT 100.64.0.0/10
                || (b[0] == 169 && b[1] == 254)                     // link-local
                || (b[0] == 172 && b[1] is >= 16 and <= 31)         // private
                || (b[0] == 192 && b[1] == 168)                     // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)          // IETF protocol assignments
                || (b[0] == 198 && b[1] is 18 or 19);               // benchmarking
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }
        var v6 = address.GetAddressBytes();
        if (v6.Take(12).SequenceEqual(Nat64Prefix))
        {
            return IsInternal(new IPAddress(v6[12..]));
        }
        return address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (v6[0] & 0xfe) == 0xfc                               // unique-local fc00::/7
            || (v6[0] == 0x20 && v6[1] == 0x02)                     // 6to4 2002::/16
            || v6.Take(12).SequenceEqual(TranslatedPrefix)          // IPv4-translated ::ffff:0:0:0/96 (SIIT)
            || v6.Take(12).All(x => x == 0);                        // IPv4-compatible ::a.b.c.d
    }

    private static readonly byte[] Nat64Prefix = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] TranslatedPrefix = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];

    public bool Allowed(IPAddress address) => options.Value.AllowPrivateNetworks || !IsInternal(address);

    /// <summary>Why a URL may not be registered, or null. A host that does not resolve now is accepted: it is
    /// checked again at each delivery.</summary>
    public async Task<string?> RefusalAsync(string url, CancellationToken ct)
    {
        if (SyntaxRefusal(url, options.Value.AllowHttp) is { } refusal)
        {
            return refusal;
        }
        var uri = new Uri(url);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return null;
        }
        return addresses.All(Allowed) ? null : "url must not point at a loopback, private, link-local or otherwise internal address.";
    }

    /// <summary>What can be said of a URL without resolving it.</summary>
    public static string? SyntaxRefusal(string? url, bool allowHttp)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
        {
            return "url must be an absolute URL of at most 2048 characters.";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowHttp && uri.Scheme == Uri.UriSchemeHttp))
        {
            return allowHttp ? "url must be an http or https URL." : "url must be an https URL.";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "url must not carry a user name or password.";
        }
        return string.IsNullOrEmpty(uri.Host) ? "url must name a host." : null;
    }
}
