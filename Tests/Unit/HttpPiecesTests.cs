using Microsoft.Extensions.Options;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.UnitTests;

/// <summary>Conditional requests and paging cursors, without a server.</summary>
public sealed class HttpPiecesTests
{
    private static readonly Cursors Cursors = new(Options.Create(new JwtOptions { SigningKey = new string('k', 48) }));

    [TestCase(null, null)]
    [TestCase("*", null)]
    [TestCase("\"3\"", new[] { 3 })]
    [TestCase("\"3\", \"4\"", new[] { 3, 4 })]
    [TestCase("W/\"3\"", new int[0])]
    [TestCase("garbage", new int[0])]
    public void If_Match_names_the_versions_it_accepts(string? header, int[]? versions) =>
        Assert.That(VersionETag.ExpectedVersions(header), Is.EqualTo(versions));

    [TestCase("\"3\"", true)]
    [TestCase("W/\"3\"", true)]
    [TestCase("*", true)]
    [TestCase("\"2\", \"3\"", true)]
    [TestCase("\"4\"", false)]
    [TestCase(null, false)]
    public void If_None_Match_compares_weakly(string? header, bool notModified) =>
        Assert.That(VersionETag.NotModified(header, 3), Is.EqualTo(notModified));

    [Test]
    public void A_cursor_reads_back_only_for_the_query_that_made_it()
    {
        var cursor = Cursors.Encode("sort=-updated_at", ["2025-04-01T00:00:00.0000000Z", "42"]);

        Assert.Multiple(() =>
        {
            Assert.That(Cursors.Decode(cursor, "sort=-updated_at"), Is.EqualTo(new[] { "2025-04-01T00:00:00.0000000Z", "42" }));
            Assert.That(Cursors.Decode(cursor, "sort=task_name"), Is.Null, "another query");
            Assert.That(Cursors.Decode((cursor[0] == 'a' ? "b" : "a") + cursor[1..], "sort=-updated_at"), Is.Null, "an altered position");
            Assert.That(Cursors.Decode("not-a-cursor", "sort=-updated_at"), Is.Null);
            Assert.That(Cursors.Decode("e30.AAAA", "sort=-updated_at"), Is.Null, "a forged signature");
        });
    }

    [Test]
    public void The_page_size_is_1_to_100_and_20_by_default()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CursorPages.Limit(null), Is.EqualTo(20));
            Assert.That(CursorPages.Limit("100"), Is.EqualTo(100));
            Assert.That(CursorPages.Limit("0"), Is.Null);
            Assert.That(CursorPages.Limit("-1"), Is.Null);
            Assert.That(CursorPages.Limit("1e2"), Is.Null);
        });
    }
}
