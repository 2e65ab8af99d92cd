using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class LinuxTcpPeersTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-proc-net-").FullName;

    private const string Header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Addresses_are_printed_as_the_kernel_prints_them()
    {
        Assert.Equal("0100007F:0CEA", LinuxTcpPeers.Format(new IPEndPoint(IPAddress.Loopback, 3306), mapped: false));
        Assert.Equal("0000000000000000FFFF00000100007F:0CEA", LinuxTcpPeers.Format(new IPEndPoint(IPAddress.Loopback, 3306), mapped: true));
        Assert.Equal("00000000000000000000000001000000:0050", LinuxTcpPeers.Format(new IPEndPoint(IPAddress.IPv6Loopback, 80), mapped: false));
    }

    [Fact]
    public void The_peer_row_is_the_one_whose_addresses_mirror_ours()
    {
        var local = new IPEndPoint(IPAddress.Loopback, 40000);
        var peer = new IPEndPoint(IPAddress.Loopback, 51000);
        var (tcp, tcp6) = Tables(
            // our accepted socket (uid 0), then the peer's (uid 1000), then a TIME_WAIT leftover on another port with no owner
            "   0: 0100007F:9C40 0100007F:C738 01 00000000:00000000 00:00000000 00000000     0        0 111 1",
            "   1: 0100007F:C738 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 222 1",
            "   2: 0100007F:C739 0100007F:9C40 06 00000000:00000000 03:00000000 00000000     0        0 0 3");
        Assert.Equal(new PeerOwner(PeerOwnerKind.OtherUser, "1000"), LinuxTcpPeers.Find(peer, local, 0, tcp, tcp6));
        Assert.Equal(PeerOwnerKind.CurrentUser, LinuxTcpPeers.Find(peer, local, 1000, tcp, tcp6).Kind);

        // A socket without an inode (TIME_WAIT) has no owner, and a missing row is a peer that left: never "us".
        Assert.Equal(PeerOwnerKind.Unknown, LinuxTcpPeers.Find(new IPEndPoint(IPAddress.Loopback, 51001), local, 0, tcp, tcp6).Kind);
        Assert.Equal(PeerOwnerKind.Unknown, LinuxTcpPeers.Find(new IPEndPoint(IPAddress.Loopback, 51002), local, 0, tcp, tcp6).Kind);
    }

    [Fact]
    public void A_dual_stack_client_is_found_in_tcp6()
    {
        var local = new IPEndPoint(IPAddress.Loopback, 40000);
        var peer = new IPEndPoint(IPAddress.Loopback, 51000);
        var (tcp, tcp6) = Tables();
        File.WriteAllLines(tcp6, [Header, "   0: 0000000000000000FFFF00000100007F:C738 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000    65534        0 333 1"]);
        Assert.Equal(new PeerOwner(PeerOwnerKind.OtherUser, "65534"), LinuxTcpPeers.Find(peer, local, 0, tcp, tcp6));
    }

    [Fact]
    public void A_real_loopback_connection_of_this_process_is_ours()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = listener.AcceptSocket();
        Assert.Equal(PeerOwnerKind.CurrentUser, TcpPeerIdentity.Of(accepted).Kind);
    }

    private (string Tcp, string Tcp6) Tables(params string[] rows)
    {
        var tcp = Path.Combine(_folder, "tcp");
        var tcp6 = Path.Combine(_folder, "tcp6");
        File.WriteAllLines(tcp, [Header, .. rows]);
        File.WriteAllLines(tcp6, [Header]);
        return (tcp, tcp6);
    }
}
