using System.Buffers;
using System.Net.Sockets;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// One app connection through the tunnel: the login (<see cref="TunnelLogin"/>), then a byte relay in both
/// directions that steps in only for commands it must change: a KILL re-addressed to the upstream connection id,
/// and COM_CHANGE_USER, re-authenticated with the daemon's credentials (<see cref="ChangeUserExchange"/>).
/// </summary>
internal sealed class TunnelConnection
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _client;
    private readonly UpstreamEndpoint _endpoint;
    private readonly TunnelOptions _options;
    private readonly TunnelListener _owner;
    private UpstreamSession? _upstream;

    public TunnelConnection(Socket client, UpstreamEndpoint endpoint, TunnelOptions options, TunnelListener owner)
    {
        _client = client;
        _endpoint = endpoint;
        _options = options;
        _owner = owner;
    }

    /// <summary>
    /// Serves the connection on the calling thread, which <see cref="TunnelListener"/> dedicates to it; the
    /// server-to-app direction gets a second one (both from <see cref="RelayThreads"/>). Both sockets are only ever
    /// used with blocking calls (see <see cref="BlockingSocketStream"/>), which keeps the copy loops plain
    /// synchronous code; where they call the async protocol code they wait for it, which is correct whether or not
    /// it completes before returning (these threads have no synchronization context to deadlock on).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _client.NoDelay = true;
        await using var clientStream = new BlockingSocketStream(_client);
        // Blocking calls do not watch the token: stopping the tunnel shuts the sockets down, which wakes them.
        using var stop = cancellationToken.Register(ShutDown);
        var login = new TunnelLogin(_client, _endpoint, _options, _owner);
        var upstream = await login.RunAsync(clientStream, session => Volatile.Write(ref _upstream, session), ShutDown, cancellationToken).ConfigureAwait(false);
        if (upstream is null)
        {
            return;
        }

        await using (upstream.ConfigureAwait(false))
        {
            _owner.ConnectionLoggedIn(upstream.UsesTls, upstream.OverUnixSocket, upstream.Handshake);
            _owner.ConnectionIds.Register(login.LocalConnectionId, upstream.Handshake.ConnectionId);
            try
            {
                Relay(clientStream, upstream, login);
            }
            finally
            {
                _owner.ConnectionIds.Release(login.LocalConnectionId);
            }
        }
    }

    private void Relay(Stream clientStream, UpstreamSession upstream, TunnelLogin login)
    {
        var changeUser = new ChangeUserExchange(upstream, _endpoint.User);
        using var downDone = new ManualResetEventSlim(false, spinCount: 0);
        RelayThreads.Shared.Run(() =>
        {
            // What escapes the loop is swallowed by RelayThreads: it ends this connection only, never the daemon.
            try
            {
                PumpToClient(upstream, clientStream, changeUser);
            }
            finally
            {
                changeUser.Close();
                ShutDown();
                downDone.Set();
            }
        });
        PumpToServer(clientStream, upstream, login, changeUser);
        // One side ended: end the other so neither leg lingers half-open.
        ShutDown();
        downDone.Wait();
    }

    private void ShutDown()
    {
        Volatile.Read(ref _upstream)?.Shutdown();
        try
        {
            _client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// App → server: a copy loop that follows packet boundaries (<see cref="PacketBoundaryTracker"/>, headers only)
    /// to find commands. Bytes are forwarded as they arrive; only a partial header at the end of a read, or a small
    /// command that may be a KILL, is held back until it is whole.
    /// </summary>
    private void PumpToServer(Stream client, UpstreamSession upstream, TunnelLogin login, ChangeUserExchange changeUser)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var tracker = default(PacketBoundaryTracker);
        try
        {
            var filled = 0;
            var scanLeftover = false;
            while (true)
            {
                // After a command the tunnel answered itself, bytes the app sent behind it are scanned before reading more.
                if (!scanLeftover)
                {
                    var read = client.Read(buffer.AsSpan(filled, BufferSize - filled));
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                }

                scanLeftover = false;
                var position = 0;
                PacketStart? taken = null;
                byte[]? killPayload = null;
                while (true)
                {
                    position += tracker.Pass(buffer.AsSpan(position, filled - position), out var next);
                    if (next is not { } packet)
                    {
                        break;
                    }

                    if (packet.IsCommandOf(ChangeUserPayload.Command) && !PacketFraming.IsContinued(packet.Length))
                    {
                        taken = packet;
                        break;
                    }

                    if (packet.IsCommand && packet.Length <= KillCommandRewriter.MaxInspectedLength && packet.FirstByte is KillCommandRewriter.ComQuery or KillCommandRewriter.ComProcessKill)
                    {
                        if (filled - position < PacketFraming.HeaderLength + packet.Length)
                        {
                            // Small enough to wait for whole: it may be a KILL to re-address.
                            break;
                        }

                        killPayload = KillCommandRewriter.Rewrite(buffer.AsSpan(position + PacketFraming.HeaderLength, packet.Length), _owner.ConnectionIds.UpstreamOf);
                        if (killPayload is not null)
                        {
                            taken = packet;
                            break;
                        }
                    }

                    tracker.Enter(packet);
                    position += PacketFraming.HeaderLength;
                }

                if (position > 0)
                {
                    upstream.Stream.Write(buffer.AsSpan(0, position));
                    _owner.AddToServer(position);
                }

                Buffer.BlockCopy(buffer, position, buffer, 0, filled - position);
                filled -= position;
                if (taken is not { } command)
                {
                    continue;
                }

                // The command is taken out of the stream: the tunnel sends what replaces it.
                tracker.Skip(command);
                var payload = killPayload ?? new byte[command.Length];
                var have = Math.Min(filled - PacketFraming.HeaderLength, command.Length);
                if (killPayload is null)
                {
                    buffer.AsSpan(PacketFraming.HeaderLength, have).CopyTo(payload);
                    if (have < command.Length)
                    {
                        client.ReadExactly(payload.AsSpan(have));
                    }
                }

                var consumed = PacketFraming.HeaderLength + have;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                if (killPayload is not null)
                {
                    PacketWriter.WritePayload(upstream.Stream, 0, killPayload);
                }
                else if (!ChangeUser(client, upstream, login, changeUser, payload))
                {
                    break;
                }

                scanLeftover = filled > 0;
            }

            // The app went away (or sent COM_QUIT, which the server answers by closing): end the upstream leg.
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Re-authenticates upstream for the app's COM_CHANGE_USER; false when the connection is to end.</summary>
    private static bool ChangeUser(Stream client, UpstreamSession upstream, TunnelLogin login, ChangeUserExchange exchange, byte[] packet)
    {
        ChangeUserPayload request;
        try
        {
            request = ChangeUserPayload.Parse(packet, upstream.Capabilities);
        }
        catch (InvalidDataException)
        {
            ClientErrorReply.TrySendAsync(client, 1, new ErrorPayload(1047, "08S01", "BranchTasks tunnel: malformed COM_CHANGE_USER."), CancellationToken.None).GetAwaiter().GetResult();
            return false;
        }

        if (!login.AcceptsChangeUser(request))
        {
            ClientErrorReply.TrySendAsync(client, 1, new ErrorPayload(1045, "28000", $"BranchTasks tunnel: access denied for user '{request.User}' (COM_CHANGE_USER): the tunnel's password is required."), CancellationToken.None).GetAwaiter().GetResult();
            return false;
        }

        // The server's answer arrives on the other direction's thread, which completes the exchange.
        return exchange.RequestAsync(request, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Server → app: a plain copy loop; it only steps in to answer a COM_CHANGE_USER exchange the other pump started.</summary>
    private void PumpToClient(UpstreamSession upstream, Stream client, ChangeUserExchange changeUser)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = upstream.Stream.Read(buffer.AsSpan(0, BufferSize));
                if (read == 0)
                {
                    break;
                }

                if (changeUser.AwaitsAnswer)
                {
                    changeUser.AnswerAsync(buffer.AsMemory(0, read), client, CancellationToken.None).GetAwaiter().GetResult();
                    continue;
                }

                client.Write(buffer.AsSpan(0, read));
                _owner.AddToClient(read);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
