using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// The tunnel greets an app before it dials the upstream server, so the connection id in its greeting is one of
/// its own (see <see cref="TunnelConnectionIds"/>). Clients cancel a query by sending <c>KILL QUERY &lt;that id&gt;</c>
/// on a second connection (MySqlConnector, the mariadb CLI), so such a command is re-addressed to the upstream
/// connection the id stands for. Only a whole, small command is looked at: <c>KILL [QUERY|CONNECTION] n</c> as
/// COM_QUERY, or COM_PROCESS_KILL; anything else passes untouched.
/// </summary>
internal static partial class KillCommandRewriter
{
    public const byte ComQuery = 0x03;
    public const byte ComProcessKill = 0x0C;

    /// <summary>The longest command payload worth inspecting ("KILL CONNECTION 4294967295;" plus some spaces).</summary>
    public const int MaxInspectedLength = 64;

    /// <summary>The payload to send instead of <paramref name="payload"/>, or null to send it as it is.</summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> payload, Func<uint, uint?> upstreamIdOf)
    {
        if (payload.Length == 5 && payload[0] == ComProcessKill)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]);
            if (upstreamIdOf(id) is not { } upstream)
            {
                return null;
            }

            var rewritten = new byte[5];
            rewritten[0] = ComProcessKill;
            BinaryPrimitives.WriteUInt32LittleEndian(rewritten.AsSpan(1), upstream);
            return rewritten;
        }

        if (payload.Length < 2 || payload.Length > MaxInspectedLength || payload[0] != ComQuery)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(payload[1..]);
        var match = KillPattern().Match(text);
        if (!match.Success || !uint.TryParse(match.Groups["id"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var local)
            || upstreamIdOf(local) is not { } target)
        {
            return null;
        }

        var id2 = match.Groups["id"];
        var replaced = string.Concat(text.AsSpan(0, id2.Index), target.ToString(CultureInfo.InvariantCulture), text.AsSpan(id2.Index + id2.Length));
        return [ComQuery, .. Encoding.ASCII.GetBytes(replaced)];
    }

    [GeneratedRegex(@"^\s*KILL\s+(?:(?:QUERY|CONNECTION)\s+)?(?<id>[0-9]{1,10})\s*;?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KillPattern();
}
