using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// A loopback listener that speaks the MySQL protocol: it takes each app's login locally, logs in to the
/// upstream server with the daemon's credentials and then relays the connection (see <see cref="TunnelConnection"/>).
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
    private long _refused;
    private Protocol.InitialHandshakePayload? _upstreamGreeting;
    private readonly SemaphoreSlim _probe = new(1, 1);

    private TunnelListener(TcpListener listener, UpstreamEndpoint upstream, TunnelOptions options)
    {
        _listener = listener;
        _upstream = upstream;
        Options = options;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Touch();
        _acceptLoop = AcceptLoopAsync();
    }

    private UpstreamEndpoint _upstream;

    /// <summary>Where new connections log in; replaced when short-lived credentials are renewed (open connections keep theirs).</summary>
    public UpstreamEndpoint Upstream => Volatile.Read(ref _upstream);

    public TunnelOptions Options { get; }

    /// <summary>Whether the last upstream login used TLS (null before the first login).</summary>
    public bool? UpstreamTls { get; private set; }

    /// <summary>How the last upstream login reached the server: "unix" (the private server's socket) or "tcp"; null before the first login.</summary>
    public string? UpstreamTransport { get; private set; }

    /// <summary>Why the last upstream login failed, until one succeeds again.</summary>
    public string? LastLoginError { get; private set; }

    public int Port { get; }

    public int OpenConnections => Volatile.Read(ref _open);

    public long TotalConnections => Interlocked.Read(ref _total);

    public long BytesToServer => Interlocked.Read(ref _toServer);

    public long BytesToClient => Interlocked.Read(ref _toClient);

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>Connections turned away: another OS user, a wrong token, or over the connection limit.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    /// <summary>
    /// What the upstream server greets with (version, capabilities, character set), shown to a new app before the
    /// tunnel dials the upstream for it. Known from the last login; when not yet known, one probe at a time reads a
    /// greeting and hangs up, so any number of peers that never log in cost at most one upstream connect between them.
    /// </summary>
    internal async Task<Protocol.InitialHandshakePayload> GetUpstreamGreetingAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _upstreamGreeting) is { } known)
        {
            return known;
        }

        // A blocking wait, on the connection's own relay thread: an awaited WaitAsync would resume the login on a
        // thread-pool thread, whose blocking socket calls (the app's login, the upstream's) then hold pool threads
        // while a burst of new connections waits for the probe, starving everything else in the process of the
        // pool until logins time out (seen with 500 connections at once on two busy cores).
        _probe.Wait(cancellationToken);
        try
        {
            if (Volatile.Read(ref _upstreamGreeting) is { } probed)
            {
                return probed;
            }

            await using var session = await UpstreamSession.ConnectAsync(Upstream, Options, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _upstreamGreeting, session.Handshake);
            return session.Handshake;
        }
        finally
        {
            _probe.Release();
        }
    }

    internal TunnelConnectionIds ConnectionIds { get; } = new();

    /// <summary>
    /// Listens on <paramref name="preferredPort"/> when it is free (so a branch keeps its port across
    /// daemon restarts), otherwise on any free loopback port.
    /// </summary>
    public static TunnelListener Start(UpstreamEndpoint upstream, int? preferredPort, TunnelOptions? options = null)
    {
        options ??= TunnelOptions.Default;
        if (preferredPort is > 0)
        {
            var listener = TryListen(preferredPort.Value);
            if (listener is not null)
            {
                return new TunnelListener(listener, upstream, options);
            }
        }

        return new TunnelListener(TryListen(0) ?? throw new BranchTasksException(ErrorCodes.TunnelFailed, "Could not listen on any loopback port for the tunnel."), upstream, options);
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

    public void UpdateUpstream(UpstreamEndpoint upstream) => Volatile.Write(ref _upstream, upstream);

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

            if (Volatile.Read(ref _open) >= Options.MaxConnections)
            {
                Refuse(client);
                continue;
            }

            var relay = StartRelay(client);
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(relay);
            }
        }
    }

    /// <summary>
    /// Each connection gets threads of its own (<see cref="RelayThreads"/>), like socat's process per connection:
    /// a relay thread blocked in recv() is woken by the kernel with the data, where the runtime's socket event loop
    /// would first fail a speculative read, then wake and dispatch for every packet (see docs/benchmarks.md).
    /// </summary>
    private Task StartRelay(Socket client)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RelayThreads.Shared.Run(() =>
        {
            try
            {
                RelayAsync(client).GetAwaiter().GetResult();
            }
            finally
            {
                done.SetResult();
            }
        });
        return done.Task;
    }

    private async Task RelayAsync(Socket client)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _total);
        Touch();
        // Credentials retired between reading them and holding them are already replaced: take the current ones.
        var upstream = Upstream;
        IDisposable? use = null;
        while (upstream.Usage is { } usage && (use = usage.TryEnter()) is null)
        {
            upstream = Upstream;
        }

        try
        {
            await new TunnelConnection(client, upstream, Options, this).RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A relay failure concerns one connection only; the tunnel keeps serving others.
        }
        finally
        {
            use?.Dispose();
            client.Dispose();
            Interlocked.Decrement(ref _open);
            Touch();
        }
    }

    internal void AddToServer(int count) => Interlocked.Add(ref _toServer, count);

    internal void AddToClient(int count) => Interlocked.Add(ref _toClient, count);

    internal void ConnectionLoggedIn(bool usesTls, bool overUnixSocket, Protocol.InitialHandshakePayload greeting)
    {
        UpstreamTls = usesTls;
        var transport = overUnixSocket ? "unix" : "tcp";
        if (transport != UpstreamTransport && Upstream.UnixSocket is { } socket)
        {
            // Said once per change: a fallback to TCP is slower, and the socket's absence is worth knowing.
            Log(overUnixSocket ? $"upstream over the server's socket {socket} again" : $"the server's socket {socket} did not answer; upstream over TCP {Upstream.Host}:{Upstream.Port} with TLS");
        }

        UpstreamTransport = transport;
        LastLoginError = null;
        Volatile.Write(ref _upstreamGreeting, greeting);
    }

    internal void LoginFailed(string message)
    {
        LastLoginError = message;
        Log($"upstream {Upstream.Address} refused or failed a login: {message}");
    }

    internal void Refused(string why)
    {
        Interlocked.Increment(ref _refused);
        Log($"refused a connection: {why}");
    }

    internal void Log(string line) => Options.Log?.Invoke($"tunnel 127.0.0.1:{Port} ({Upstream.Database}): {line}");

    /// <summary>Over the limit: the ERR packet a server sends in place of its greeting, then close. Never blocks the accept loop (a few bytes into a fresh socket's buffer).</summary>
    private void Refuse(Socket client)
    {
        Refused($"{Options.MaxConnections} connections are open, the tunnel's limit");
        try
        {
            var error = new Protocol.ErrorPayload(1040, "08004", $"BranchTasks tunnel: error {Errors.ErrorCodes.TunnelConnectionLimit}: too many connections ({Options.MaxConnections} open, the limit; {TunnelManager.MaxConnectionsVariable} raises it).").Serialize();
            var packet = new byte[4 + error.Length];
            packet[0] = (byte)error.Length;
            packet[1] = (byte)(error.Length >> 8);
            packet[3] = 0;
            error.CopyTo(packet, 4);
            client.Blocking = false;
            client.Send(packet, SocketFlags.None, out _);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Stops accepting (freeing the port) while open connections carry on until disposal.</summary>
    internal void StopListening() => _listener.Stop();

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
        _probe.Dispose();
    }
}
