using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Tests.Tunnel;

public sealed class TunnelListenerTests
{
    [Fact]
    public async Task Listens_on_loopback_only()
    {
        await using var tunnel = TunnelListener.Start(new UpstreamEndpoint("127.0.0.1", 9, "u", null, "db"), preferredPort: null);

        // Loopback only: the listener is bound to 127.0.0.1, not to any other address.
        var nonLoopback = Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (nonLoopback is not null)
        {
            using var outsider = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => outsider.ConnectAsync(nonLoopback, tunnel.Port));
        }
    }

    [Fact]
    public async Task Keeps_its_preferred_port_when_free_and_falls_back_when_taken()
    {
        var upstream = new UpstreamEndpoint("127.0.0.1", 9, "u", null, "db");
        int port;
        await using (var first = TunnelListener.Start(upstream, preferredPort: null))
        {
            port = first.Port;
            await using var second = TunnelListener.Start(upstream, preferredPort: port);
            Assert.NotEqual(port, second.Port);
        }

        await using var again = TunnelListener.Start(upstream, preferredPort: port);
        Assert.Equal(port, again.Port);
    }

    [Fact]
    public async Task A_client_whose_upstream_is_down_is_closed_and_the_tunnel_keeps_serving()
    {
        // Bound and never listening: a connect is refused, and no other test's listener can take the port meanwhile
        // (a port freed by a closed listener can be handed to the next bind(0) of a parallel test, which then accepts).
        using var dead = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ExclusiveAddressUse = true };
        dead.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var deadPort = ((IPEndPoint)dead.LocalEndPoint!).Port;

        await using var tunnel = TunnelListener.Start(new UpstreamEndpoint("127.0.0.1", deadPort, "u", null, "db"), preferredPort: null);
        for (var i = 0; i < 2; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            // The app learns why in the protocol it speaks: an ERR packet (sequence 0), then the connection closes.
            var stream = client.GetStream();
            var received = new MemoryStream();
            var buffer = new byte[512];
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0)
            {
                received.Write(buffer, 0, read);
            }

            var packet = received.ToArray();
            Assert.Equal(0xFF, packet[4]);
            Assert.Contains("cannot reach the upstream server", System.Text.Encoding.UTF8.GetString(packet));
        }

        Assert.Equal(2, tunnel.TotalConnections);
    }

    [Fact]
    public async Task Stopping_the_tunnel_ends_connections_whose_upstream_never_greets()
    {
        // An upstream that accepts and then says nothing: the relay thread blocks reading its greeting.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var tunnel = TunnelListener.Start(new UpstreamEndpoint("127.0.0.1", ((IPEndPoint)silent.LocalEndpoint).Port, "u", null, "db"), preferredPort: null);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, tunnel.Port);
        using var accepted = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, tunnel.OpenConnections);

        await tunnel.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (tunnel.OpenConnections != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the connection's thread still waits for the greeting after the tunnel stopped");
            await Task.Delay(20);
        }

        Assert.Equal(0, await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
