using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using TaskManager.Features.Webhooks;

namespace TaskManager.UnitTests;

/// <summary>The SSRF guard's address and URL rules, and the webhook-signature header, without a server.</summary>
public sealed class WebhookGuardTests
{
    [TestCase("127.0.0.1")]
    [TestCase("127.255.0.9")]
    [TestCase("10.0.0.1")]
    [TestCase("172.16.0.1")]
    [TestCase("172.31.255.254")]
    [TestCase("192.168.1.1")]
    [TestCase("169.254.169.254")]
    [TestCase("100.64.0.1")]
    [TestCase("100.127.255.255")]
    [TestCase("0.0.0.0")]
    [TestCase("224.0.0.1")]
    [TestCase("255.255.255.255")]
    [TestCase("::")]
    [TestCase("::1")]
    [TestCase("fe80::1")]
    [TestCase("fc00::1")]
    [TestCase("fd12:3456::1")]
    [TestCase("ff02::1")]
    [TestCase("::ffff:127.0.0.1")]
    [TestCase("::ffff:169.254.169.254")]
    [TestCase("64:ff9b::a00:1")]
    [TestCase("2002:7f00:1::1")]
    [TestCase("2002:808:808::1")]
    [TestCase("::ffff:0:7f00:1")]
    [TestCase("::ffff:0:808:808")]
    public void Internal_addresses_are_refused(string address) =>
        Assert.That(WebhookAddresses.IsInternal(IPAddress.Parse(address)), Is.True);

    [TestCase("93.184.216.34")]
    [TestCase("8.8.8.8")]
    [TestCase("172.32.0.1")]
    [TestCase("100.128.0.1")]
    [TestCase("169.255.0.1")]
    [TestCase("2606:4700:4700::1111")]
    [TestCase("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.That(WebhookAddresses.IsInternal(IPAddress.Parse(address)), Is.False);

    [TestCase("https://127.0.0.1/")]
    [TestCase("https://10.0.0.1/hook")]
    [TestCase("https://169.254.169.254/latest/meta-data")]
    [TestCase("https://[::1]/")]
    [TestCase("https://localhost/")]
    [TestCase("https://0x7f000001/")]
    [TestCase("https://[2002:a9fe:a9fe::]/")]
    [TestCase("https://[::ffff:0:a9fe:a9fe]/")]
    public async Task Urls_that_reach_internal_addresses_are_refused(string url)
    {
        var refusal = await Guard(allowPrivate: false).RefusalAsync(url, CancellationToken.None);
        Assert.That(refusal, Does.StartWith("url must not point at"));
    }

    [Test]
    public async Task Internal_addresses_pass_when_private_networks_are_allowed() =>
        Assert.That(await Guard(allowPrivate: true).RefusalAsync("https://127.0.0.1:8443/hook", CancellationToken.None), Is.Null);

    [Test]
    public async Task A_host_that_does_not_resolve_is_accepted_for_now() =>
        Assert.That(await Guard(allowPrivate: false).RefusalAsync("https://no-such-host.invalid/hook", CancellationToken.None), Is.Null);

    [TestCase("http://example.com/", false, "url must be an https URL.")]
    [TestCase("ftp://example.com/", true, "url must be an http or https URL.")]
    [TestCase("/relative/path", false, "url must be an absolute URL of at most 2048 characters.")]
    [TestCase("not a url", false, "url must be an absolute URL of at most 2048 characters.")]
    [TestCase("https://user:pass@example.com/", false, "url must not carry a user name or password.")]
    public void Bad_urls_are_refused_before_any_lookup(string url, bool allowHttp, string expected) =>
        Assert.That(WebhookAddresses.SyntaxRefusal(url, allowHttp), Is.EqualTo(expected));

    [TestCase("https://example.com/hook", false)]
    [TestCase("http://example.com/hook", true)]
    public void Good_urls_pass_the_syntax_check(string url, bool allowHttp) =>
        Assert.That(WebhookAddresses.SyntaxRefusal(url, allowHttp), Is.Null);

    [Test]
    public void The_signature_is_the_hmac_of_id_timestamp_and_body_for_each_secret()
    {
        byte[] first = [.. Enumerable.Range(1, 32).Select(i => (byte)i)], second = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        const string Body = """{"type":"task.created","data":{"id":1}}""";

        var header = WebhookSecrets.SignatureHeader("msg_1", timestamp, Body, [first, second]);

        Assert.That(header.Split(' '), Is.EqualTo(new[] { Expected(first), Expected(second) }));
        Assert.That(header, Does.Not.Contain(Expected(first, Body + " ")));

        static string Expected(byte[] key, string body = Body) =>
            "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"msg_1.1700000000.{body}")));
    }

    [Test]
    public void A_stored_secret_is_encrypted_and_comes_back_whole()
    {
        var secrets = new WebhookSecrets(Options.Create(new WebhookOptions()),
            Options.Create(new TaskManager.Infrastructure.Auth.JwtOptions { SigningKey = new string('k', 48) }));
        var secret = WebhookSecrets.NewSecret();

        var stored = secrets.Protect(secret);

        Assert.Multiple(() =>
        {
            Assert.That(WebhookSecrets.Show(secret), Does.StartWith("whsec_"));
            Assert.That(Convert.FromBase64String(WebhookSecrets.Show(secret)["whsec_".Length..]), Has.Length.GreaterThanOrEqualTo(24));
            Assert.That(Convert.ToHexString(stored), Does.Not.Contain(Convert.ToHexString(secret)));
            Assert.That(secrets.Unprotect(stored), Is.EqualTo(secret));
        });
        stored[^1] ^= 1;
        Assert.That(() => secrets.Unprotect(stored), Throws.InstanceOf<CryptographicException>());
    }

    private static WebhookAddresses Guard(bool allowPrivate) =>
        new(Options.Create(new WebhookOptions { AllowPrivateNetworks = allowPrivate }));
}
