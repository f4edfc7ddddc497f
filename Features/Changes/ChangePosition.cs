using System.Globalization;

namespace TaskManager.Features.Changes;

/// <summary>Where a change sits in the feed: its transaction's id, then its order among all changes. Clients see 32 hex
/// digits, so positions also compare as strings; (horizon, 0) is the end of what may be read now.</summary>
public readonly record struct ChangePosition(long Txid, long Seq) : IComparable<ChangePosition>
{
    public static ChangePosition Start => new(0, 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Txid:x16}{Seq:x16}");

    public static bool TryParse(string? text, out ChangePosition position)
    {
        position = Start;
        if (text is not { Length: 32 } || text.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) ||
            !long.TryParse(text.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var txid) ||
            !long.TryParse(text.AsSpan(16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seq) || txid < 0 || seq < 0)
        {
            return false;
        }
        position = new ChangePosition(txid, seq);
        return true;
    }

    public int CompareTo(ChangePosition other) => (Txid, Seq).CompareTo((other.Txid, other.Seq));

    public static ChangePosition Max(ChangePosition a, ChangePosition b) => a.CompareTo(b) >= 0 ? a : b;
}
