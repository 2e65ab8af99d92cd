using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;
using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>
/// What a peer that has not logged in can make a tunnel spend: against an upstream that only greets and counts the
/// connections it gets, so a dial on a peer's behalf cannot hide.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TunnelLoginBoundsTests : IAsyncLifetime
{
    private readonly TcpListener _upstream = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _log = [];
    private int _upstreamConnections;
    private Task _greeter = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _upstream.Start();
        _greeter = GreetAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _upstream.Stop();
        await _greeter.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [Fact]
    public async Task A_flood_of_huge_packets_before_login_costs_no_memory_and_the_tunnel_keeps_serving()
    {
        await using var tunnel = Start();
        await ReadGreetingAsync(tunnel); // learns the upstream's greeting: the one probe it may make
        var dialled = Volatile.Read(ref _upstreamConnections);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using (var flood = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await flood.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            var chunk = new byte[1024 * 1024];
            try
            {
                // 24 packets of 16 MiB - 1, each announcing a continuation: 384 MiB the tunnel must never hold.
                for (var packet = 0; packet < 24; packet++)
                {
                    await flood.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, (byte)(packet + 1) });
                    for (var sent = 0; sent < PacketFraming.MaxPacketLength; sent += chunk.Length)
                    {
                        await flood.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, PacketFraming.MaxPacketLength - sent))).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                    }
                }

                Assert.Fail("The tunnel took 384 MiB of login packets without hanging up.");
            }
            catch (SocketException)
            {
                // The tunnel hung up after the first header: what we want.
            }
        }

        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / 1024 / 1024} MiB allocated during the flood");
        Assert.Equal(dialled, Volatile.Read(ref _upstreamConnections));
        lock (_log)
        {
            Assert.Contains(_log, l => l.Contains("Packet too large"));
        }

        await ReadGreetingAsync(tunnel);
    }

    [Fact]
    public async Task Garbage_and_truncated_logins_end_their_connection_only_with_a_log_line()
    {
        await using var tunnel = Start();
        await ReadGreetingAsync(tunnel);
        var dialled = Volatile.Read(ref _upstreamConnections);
        byte[][] logins =
        [
            [0x05, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05],         // truncated before the user name
            [0x08, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], // not protocol 4.1 garbage
            [0x10, 0x00, 0x00, 0x01, 0x00],                                     // announces 16 bytes, sends one, hangs up
        ];
        foreach (var login in logins)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            await ReadPacketAsync(socket);
            await socket.SendAsync(login);
            if (login.Length == 5)
            {
                socket.Shutdown(SocketShutdown.Send);
            }

            // The tunnel closes the connection (an ERR first is fine); it never waits for more.
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(20)) > 0)
            {
            }
        }

        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
        Assert.Equal(dialled, Volatile.Read(ref _upstreamConnections));
        lock (_log)
        {
            Assert.True(_log.Count(l => l.Contains("before its login completed")) >= 3, string.Join("\n", _log));
        }

        await ReadGreetingAsync(tunnel);
    }

    [Fact]
    public async Task Many_silent_peers_cost_one_upstream_probe_at_most()
    {
        await using var tunnel = Start(TimeSpan.FromSeconds(1));
        var peers = new List<Socket>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                peers.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, tunnel.Port);
            }

            foreach (var socket in peers)
            {
                var buffer = new byte[4096];
                while (await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(20)) > 0)
                {
                }
            }
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }

        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
        Assert.Equal(1, Volatile.Read(ref _upstreamConnections));
    }

    private TunnelListener Start(TimeSpan? loginTimeout = null) =>
        TunnelListener.Start(
            new UpstreamEndpoint("127.0.0.1", ((IPEndPoint)_upstream.LocalEndpoint).Port, "u", "p", "db"),
            preferredPort: null,
            new TunnelOptions { LoginTimeout = loginTimeout ?? TimeSpan.FromSeconds(10), Log = line => { lock (_log) { _log.Add(line); } } });

    private static async Task ReadGreetingAsync(TunnelListener tunnel)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, tunnel.Port);
        var greeting = InitialHandshakePayload.Parse(await ReadPacketAsync(socket));
        Assert.Equal("10.11.0-fake", greeting.ServerVersion);
    }

    private static async Task<byte[]> ReadPacketAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        return await new PacketReader(stream, PacketReader.MaxLoginPayloadLength).ReadPayloadAsync(default).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>An upstream that greets every connection and then waits for it to go.</summary>
    private async Task GreetAsync()
    {
        var greeting = new InitialHandshakePayload
        {
            ServerVersion = "10.11.0-fake",
            ConnectionId = 7,
            AuthPluginData = new byte[20],
            Capabilities = CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth,
        }.Serialize();
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _upstream.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref _upstreamConnections);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    await using var stream = new NetworkStream(socket);
                    await PacketWriter.WritePayloadAsync(stream, 0, greeting, default);
                    var buffer = new byte[1024];
                    while (await stream.ReadAsync(buffer) > 0)
                    {
                    }
                }
            });
        }
    }
}
