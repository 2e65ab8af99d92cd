using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Tests.Tunnel;

public sealed class TunnelListenerTests
{
    [Fact]
    public async Task Relays_both_ways_on_loopback_only_and_counts_bytes()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var echoTask = Task.Run(async () =>
        {
            using var peer = await echo.AcceptTcpClientAsync();
            var stream = peer.GetStream();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }
        });

        await using var tunnel = TunnelListener.Start(new UpstreamEndpoint("127.0.0.1", echoPort, "u", null, "db"), preferredPort: null);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            var payload = new byte[300_000];
            Random.Shared.NextBytes(payload);
            var stream = client.GetStream();
            var writing = stream.WriteAsync(payload).AsTask();
            var received = new byte[payload.Length];
            var total = 0;
            while (total < received.Length)
            {
                total += await stream.ReadAsync(received.AsMemory(total));
            }

            await writing;
            Assert.Equal(payload, received);
            Assert.Equal(1, tunnel.OpenConnections);
        }

        await echoTask.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => tunnel.OpenConnections == 0);
        Assert.Equal(300_000, tunnel.BytesToServer);
        Assert.Equal(300_000, tunnel.BytesToClient);
        Assert.Equal(1, tunnel.TotalConnections);

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
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var deadPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var tunnel = TunnelListener.Start(new UpstreamEndpoint("127.0.0.1", deadPort, "u", null, "db"), preferredPort: null);
        for (var i = 0; i < 2; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            var read = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, read);
        }

        Assert.Equal(2, tunnel.TotalConnections);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
