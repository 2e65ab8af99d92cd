using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Platform;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Platform;

/// <summary>The netlink lookup against real sockets of the kernel the tests run on (Linux only; tests run as root and drop to nobody).</summary>
public sealed class LinuxSockDiagTests
{
    private static uint Me => UnixInterop.EffectiveUserId();

    [Fact]
    public void A_loopback_connection_of_this_user_is_ours_by_netlink()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var connection = Connection.Open(IPAddress.Loopback);
        Assert.Equal(PeerOwnerKind.CurrentUser, LinuxSockDiag.Find(connection.Peer, connection.Local, Me)?.Kind);
        Assert.Equal(PeerOwnerKind.OtherUser, LinuxSockDiag.Find(connection.Peer, connection.Local, Me + 1)?.Kind);
        Assert.Equal(PeerOwnerKind.CurrentUser, TcpPeerIdentity.Of(connection.Accepted).Kind);
    }

    [Fact]
    public void An_ipv6_loopback_connection_is_ours_by_netlink()
    {
        if (!OperatingSystem.IsLinux() || !Socket.OSSupportsIPv6)
        {
            return;
        }

        using var connection = Connection.Open(IPAddress.IPv6Loopback);
        Assert.Equal(AddressFamily.InterNetworkV6, connection.Peer.AddressFamily);
        Assert.Equal(PeerOwnerKind.CurrentUser, LinuxSockDiag.Find(connection.Peer, connection.Local, Me)?.Kind);
    }

    [Fact]
    public void Dual_stack_sockets_on_either_end_are_found_over_ipv4()
    {
        if (!OperatingSystem.IsLinux() || !Socket.OSSupportsIPv6)
        {
            return;
        }

        // A dual-stack listener sees an IPv4 client as ::ffff:127.0.0.1.
        using (var mappedListener = Connection.Open(IPAddress.IPv6Any, IPAddress.Loopback, dualStackListener: true))
        {
            Assert.True(mappedListener.Peer.Address.IsIPv4MappedToIPv6);
            Assert.Equal(PeerOwnerKind.CurrentUser, LinuxSockDiag.Find(mappedListener.Peer, mappedListener.Local, Me)?.Kind);
        }

        // A dual-stack client is an IPv6 socket in the kernel's IPv4 table; the kernel describes it with mapped addresses.
        using var mappedClient = Connection.Open(IPAddress.Loopback, IPAddress.Loopback.MapToIPv6(), dualStackClient: true);
        Assert.Equal(AddressFamily.InterNetwork, mappedClient.Peer.AddressFamily);
        Assert.Equal(PeerOwnerKind.CurrentUser, LinuxSockDiag.Find(mappedClient.Peer, mappedClient.Local, Me)?.Kind);
    }

    [Fact]
    public async Task A_connection_from_another_os_user_is_that_users_by_netlink()
    {
        if (!OperatingSystem.IsLinux() || Me != 0)
        {
            return;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // nobody connects and waits until the connection is closed from this side.
        var stranger = OtherUser.RunAsync("/bin/bash", "-c", $"exec 3<>/dev/tcp/127.0.0.1/{port} && read -r -t 30 -u 3 line; exit 0");
        using (var accepted = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            var peer = (IPEndPoint)accepted.RemoteEndPoint!;
            var local = (IPEndPoint)accepted.LocalEndPoint!;
            Assert.Equal(new PeerOwner(PeerOwnerKind.OtherUser, OtherUser.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), LinuxSockDiag.Find(peer, local, Me));
            Assert.Equal(PeerOwnerKind.OtherUser, TcpPeerIdentity.Of(accepted).Kind);
        }

        Assert.Equal(0, (await stranger).ExitCode);
    }

    [Fact]
    public void A_peer_that_closed_its_socket_has_no_owner_though_the_kernel_remembers_its_uid()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var connection = Connection.Open(IPAddress.Loopback);
        connection.Client.Close();

        // The peer's socket lingers (FIN_WAIT2) without a file: the kernel still knows who made it, and that is not
        // who is at the other end now.
        var answer = LinuxSockDiag.Query(connection.Peer, connection.Local);
        Assert.NotNull(answer);
        Assert.Equal(Me, answer.Value.Uid);
        Assert.Equal(0u, answer.Value.Inode);
        Assert.Equal(PeerOwner.Unknown, LinuxSockDiag.Find(connection.Peer, connection.Local, Me));
        Assert.Equal(PeerOwnerKind.Unknown, TcpPeerIdentity.Of(connection.Accepted).Kind);
    }

    [Fact]
    public void A_peer_that_is_gone_is_not_found_and_unknown()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var connection = Connection.Open(IPAddress.Loopback);
        connection.Client.LingerState = new LingerOption(true, 0);
        connection.Client.Close();    // a reset: the peer's socket is gone at once

        Assert.Null(LinuxSockDiag.Query(connection.Peer, connection.Local));
        Assert.Null(LinuxSockDiag.Find(connection.Peer, connection.Local, Me));
        Assert.Equal(PeerOwnerKind.Unknown, TcpPeerIdentity.Of(connection.Accepted).Kind);
    }

    [Fact]
    public void A_peer_netlink_cannot_find_is_found_by_the_proc_fallback()
    {
        if (!OperatingSystem.IsLinux() || Me != 0)
        {
            return;
        }

        // A client bound to a device (SO_BINDTODEVICE, root only) is not matched by a lookup without that device:
        // netlink has no answer, and the /proc tables, which list every socket, decide.
        using var connection = Connection.Open(IPAddress.Loopback, IPAddress.Loopback, bindClientToLoopbackDevice: true);
        Assert.Null(LinuxSockDiag.Find(connection.Peer, connection.Local, Me));
        Assert.Equal(PeerOwnerKind.CurrentUser, TcpPeerIdentity.Of(connection.Accepted).Kind);
    }

    [Fact]
    public void The_proc_fallback_still_finds_a_real_connection()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var connection = Connection.Open(IPAddress.Loopback);
        Assert.Equal(PeerOwnerKind.CurrentUser, LinuxTcpPeers.Find(connection.Peer, connection.Local, Me).Kind);
    }

    /// <summary>A real accepted connection: the client's socket and the listener's side of it.</summary>
    private sealed class Connection : IDisposable
    {
        private const int SolSocket = 1;
        private const int SoBindToDevice = 25;
        private readonly Socket _listener;

        private Connection(Socket listener, Socket client, Socket accepted)
        {
            _listener = listener;
            Client = client;
            Accepted = accepted;
        }

        public Socket Client { get; }

        public Socket Accepted { get; }

        public IPEndPoint Peer => (IPEndPoint)Accepted.RemoteEndPoint!;

        public IPEndPoint Local => (IPEndPoint)Accepted.LocalEndPoint!;

        public static Connection Open(IPAddress address) => Open(address, address);

        public static Connection Open(IPAddress listenOn, IPAddress connectTo, bool dualStackListener = false, bool dualStackClient = false, bool bindClientToLoopbackDevice = false)
        {
            var listener = new Socket(listenOn.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (dualStackListener)
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(listenOn, 0));
            listener.Listen();
            var client = new Socket(connectTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (dualStackClient)
            {
                client.DualMode = true;
            }

            if (bindClientToLoopbackDevice)
            {
                client.SetRawSocketOption(SolSocket, SoBindToDevice, "lo\0"u8);
            }

            client.Connect(connectTo, ((IPEndPoint)listener.LocalEndPoint!).Port);
            return new Connection(listener, client, listener.Accept());
        }

        public void Dispose()
        {
            Accepted.Dispose();
            Client.Dispose();
            _listener.Dispose();
        }
    }
}
