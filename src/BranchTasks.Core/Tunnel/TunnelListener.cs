using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// A loopback listener that relays each accepted connection to the upstream server, byte for byte.
/// It only ever binds 127.0.0.1.
/// </summary>
public sealed class TunnelListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly object _gate = new();
    private readonly Task _acceptLoop;
    private int _open;
    private long _total;
    private long _toServer;
    private long _toClient;
    private long _lastActivityTicks;

    private TunnelListener(TcpListener listener, UpstreamEndpoint upstream)
    {
        _listener = listener;
        Upstream = upstream;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Touch();
        _acceptLoop = AcceptLoopAsync();
    }

    public UpstreamEndpoint Upstream { get; }

    public int Port { get; }

    public int OpenConnections => Volatile.Read(ref _open);

    public long TotalConnections => Interlocked.Read(ref _total);

    public long BytesToServer => Interlocked.Read(ref _toServer);

    public long BytesToClient => Interlocked.Read(ref _toClient);

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>
    /// Listens on <paramref name="preferredPort"/> when it is free (so a branch keeps its port across
    /// daemon restarts), otherwise on any free loopback port.
    /// </summary>
    public static TunnelListener Start(UpstreamEndpoint upstream, int? preferredPort)
    {
        if (preferredPort is > 0)
        {
            var listener = TryListen(preferredPort.Value);
            if (listener is not null)
            {
                return new TunnelListener(listener, upstream);
            }
        }

        return new TunnelListener(TryListen(0) ?? throw new BranchTasksException(ErrorCodes.TunnelFailed, "Could not listen on any loopback port for the tunnel."), upstream);
    }

    private static TcpListener? TryListen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        // Exclusive: on Unix, .NET otherwise sets SO_REUSEPORT, and a port another listener holds
        // would be shared (and its connections split) instead of refused.
        listener.ExclusiveAddressUse = true;
        try
        {
            listener.Start(backlog: 512);
            return listener;
        }
        catch (SocketException)
        {
            listener.Dispose();
            return null;
        }
    }

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, DateTimeOffset.UtcNow.UtcTicks);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var relay = RelayAsync(client);
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(relay);
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _total);
        Touch();
        using var upstream = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true, NoDelay = true };
        try
        {
            client.NoDelay = true;
            await upstream.ConnectAsync(Upstream.Host, Upstream.Port, _stop.Token).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client, upstream, isToServer: true, linked.Token);
            var down = PumpAsync(upstream, client, isToServer: false, linked.Token);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            // One side ended: end the other so neither leg lingers half-open.
            linked.Cancel();
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A relay failure concerns one connection only; the tunnel keeps serving others.
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _open);
            Touch();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool isToServer, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }

                Interlocked.Add(ref isToServer ? ref _toServer : ref _toClient, read);
            }

            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _connections];
        }

        try
        {
            await Task.WhenAll(pending.Append(_acceptLoop)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Shutting down: whatever a relay threw is of no use to anyone now.
        }

        _stop.Dispose();
    }
}
