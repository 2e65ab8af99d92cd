using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Linux, where <see cref="LinuxSockDiag"/> cannot ask the kernel for the one socket (a kernel without inet_diag, a
/// sandbox that forbids netlink): the owner of the socket at the other end of an accepted loopback TCP connection,
/// read from the kernel's whole socket tables (<c>/proc/net/tcp</c>, <c>/proc/net/tcp6</c>). The peer's own socket
/// is the row whose local address is our remote address and whose remote address is our local one; its <c>uid</c>
/// column is the user that created it. A row without an inode (TIME_WAIT) has no owner, and no row at all means the peer is gone:
/// both are <see cref="PeerOwnerKind.Unknown"/>, never the current user.
/// </summary>
internal static class LinuxTcpPeers
{
    private const int UidColumn = 7;
    private const int InodeColumn = 9;

    public static PeerOwner Find(IPEndPoint peer, IPEndPoint local, uint currentUser) =>
        Find(peer, local, currentUser, "/proc/net/tcp", "/proc/net/tcp6");

    internal static PeerOwner Find(IPEndPoint peer, IPEndPoint local, uint currentUser, string tcpTable, string tcp6Table)
    {
        // An IPv4 client socket appears in tcp; a dual-stack one (IPv4-mapped addresses) in tcp6.
        var v4 = peer.Address.AddressFamily == AddressFamily.InterNetwork || peer.Address.IsIPv4MappedToIPv6;
        if (v4)
        {
            var uid = Scan(tcpTable, Format(peer, mapped: false), Format(local, mapped: false))
                ?? Scan(tcp6Table, Format(peer, mapped: true), Format(local, mapped: true));
            return ToOwner(uid, currentUser);
        }

        return ToOwner(Scan(tcp6Table, Format(peer, mapped: false), Format(local, mapped: false)), currentUser);
    }

    internal static PeerOwner ToOwner(uint? uid, uint currentUser) => uid switch
    {
        null => PeerOwner.Unknown,
        var u when u == currentUser => new PeerOwner(PeerOwnerKind.CurrentUser, u.Value.ToString(CultureInfo.InvariantCulture)),
        var u => new PeerOwner(PeerOwnerKind.OtherUser, u.Value.ToString(CultureInfo.InvariantCulture)),
    };

    private static uint? Scan(string table, string peerAddress, string localAddress)
    {
        // Every connection is checked here, and a burst of connections reads the table once each: test the fixed
        // "local remote" pair with one ordinal search per line and split only the line that matches.
        var pair = " " + peerAddress + " " + localAddress + " ";
        try
        {
            foreach (var line in File.ReadLines(table))
            {
                if (!line.Contains(pair, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length <= InodeColumn
                    || !columns[1].Equals(peerAddress, StringComparison.OrdinalIgnoreCase)
                    || !columns[2].Equals(localAddress, StringComparison.OrdinalIgnoreCase)
                    || columns[InodeColumn] == "0")
                {
                    continue;
                }

                return uint.TryParse(columns[UidColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    /// <summary>
    /// The kernel prints an address as 32-bit words in host byte order (<c>%08X</c> each) and the port in hex:
    /// 127.0.0.1:3306 is <c>0100007F:0CEA</c> on a little-endian machine.
    /// </summary>
    internal static string Format(IPEndPoint endpoint, bool mapped)
    {
        var address = endpoint.Address;
        if (mapped && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }
        else if (!mapped && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        var text = new StringBuilder(bytes.Length * 2 + 5);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            for (var i = 0; i < 4; i++)
            {
                var index = BitConverter.IsLittleEndian ? word + 3 - i : word + i;
                text.Append(bytes[index].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.Append(':').Append(endpoint.Port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }
}
