using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel.Protocol;
using BranchTasks.Core.Tunnel.Protocol.Auth;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// One app connection through the tunnel: takes the app's login locally, logs in upstream with the daemon's
/// credentials, then relays bytes, stopping only at COM_CHANGE_USER (re-authenticated with the daemon's credentials).
/// </summary>
internal sealed class TunnelConnection
{
    private const int BufferSize = 64 * 1024;

    // Printable ASCII without NUL, as servers generate scrambles.
    private const string ScrambleAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&()*+,-./:;<=>?@[]^_{|}~";

    private readonly Socket _client;
    private readonly UpstreamEndpoint _endpoint;
    private readonly TunnelOptions _options;
    private readonly TunnelListener _owner;
    private readonly byte[] _scramble = System.Text.Encoding.ASCII.GetBytes(RandomNumberGenerator.GetString(ScrambleAlphabet, 20));
    private PendingChangeUser? _pendingChangeUser;
    private UpstreamSession? _upstream;

    public TunnelConnection(Socket client, UpstreamEndpoint endpoint, TunnelOptions options, TunnelListener owner)
    {
        _client = client;
        _endpoint = endpoint;
        _options = options;
        _owner = owner;
    }

    /// <summary>A COM_CHANGE_USER in flight: <c>Sent</c> once the request is written upstream, <c>Done</c> once the app has the answer.</summary>
    private sealed record PendingChangeUser(ChangeUserPayload Request, TaskCompletionSource Sent, TaskCompletionSource Done);

    /// <summary>
    /// Serves the connection on the calling thread, which <see cref="TunnelListener"/> dedicates to it; the
    /// server-to-app direction gets a second one (both from <see cref="RelayThreads"/>). Both sockets are only ever
    /// used with blocking calls (see <see cref="BlockingSocketStream"/>), so the async protocol code shared with the
    /// login completes before it returns, here and where the relay loops call it with GetAwaiter().GetResult().
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _client.NoDelay = true;
        await using var clientStream = new BlockingSocketStream(_client);
        // Blocking calls do not watch the token: stopping the tunnel shuts the sockets down, which wakes them.
        using var stop = cancellationToken.Register(ShutDown);
        UpstreamSession upstream;
        try
        {
            upstream = await UpstreamSession.ConnectAsync(_endpoint, _options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or EndOfStreamException or MySqlProtocolException or ObjectDisposedException)
        {
            // Tell the app why, in the protocol it speaks, instead of a bare disconnect.
            var message = e is MySqlProtocolException p ? p.Error.Message : e.Message;
            await TrySendErrorAsync(clientStream, 0, new ErrorPayload(2003, "HY000", $"BranchTasks tunnel: cannot reach the upstream server {_endpoint.Host}:{_endpoint.Port}: {message}"), cancellationToken).ConfigureAwait(false);
            return;
        }

        await using (upstream.ConfigureAwait(false))
        {
            Volatile.Write(ref _upstream, upstream);
            if (cancellationToken.IsCancellationRequested || !await LoginAsync(clientStream, upstream, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            _owner.ConnectionLoggedIn(upstream.UsesTls);
            using var downDone = new ManualResetEventSlim(false, spinCount: 0);
            RelayThreads.Shared.Run(() =>
            {
                // What escapes the loop is swallowed by RelayThreads: it ends this connection only, never the daemon.
                try
                {
                    PumpToClient(upstream, clientStream);
                }
                finally
                {
                    ShutDown();
                    downDone.Set();
                }
            });
            PumpToServer(clientStream, upstream);
            // One side ended: end the other so neither leg lingers half-open.
            ShutDown();
            downDone.Wait();
        }
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

    private async Task<bool> LoginAsync(Stream client, UpstreamSession upstream, CancellationToken cancellationToken)
    {
        var server = upstream.Handshake;
        var offered = server.Capabilities & ~(CapabilityFlags.Compress | CapabilityFlags.Ssl | CapabilityFlags.ZstdCompressionAlgorithm | CapabilityFlags.SslVerifyServerCertificate | CapabilityFlags.MultiFactorAuthentication);
        var handshake = new InitialHandshakePayload
        {
            ServerVersion = server.ServerVersion,
            ConnectionId = server.ConnectionId,
            AuthPluginData = _scramble,
            Capabilities = offered | CapabilityFlags.PluginAuth | CapabilityFlags.SecureConnection,
            MariaDbCapabilities = server.MariaDbCapabilities,
            CharacterSet = server.CharacterSet,
            StatusFlags = server.StatusFlags,
            AuthPluginName = NativePasswordPlugin.PluginName,
        };
        await PacketWriter.WritePayloadAsync(client, 0, handshake.Serialize(), cancellationToken).ConfigureAwait(false);

        var reader = new PacketReader(client);
        var app = HandshakeResponse41Payload.Parse(await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false));
        var sequence = (byte)(reader.LastSequenceId + 1);
        if (app.IsSslRequest)
        {
            await TrySendErrorAsync(client, sequence, new ErrorPayload(1043, "08S01", "BranchTasks tunnel: TLS is not offered on the local loopback port; connect without SSL (SslMode=None / --skip-ssl)."), cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (_options.LocalAuth == LocalAuthMode.Token)
        {
            var response = app.AuthResponse;
            if (app.AuthPluginName is { } plugin && plugin != NativePasswordPlugin.PluginName)
            {
                sequence = await PacketWriter.WritePayloadAsync(client, sequence, new AuthSwitchRequestPayload(NativePasswordPlugin.PluginName, _scramble).Serialize(), cancellationToken).ConfigureAwait(false);
                response = await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false);
                sequence = (byte)(reader.LastSequenceId + 1);
            }

            if (!NativePasswordPlugin.Verify(_options.LocalPassword ?? "", _scramble, response))
            {
                await TrySendErrorAsync(client, sequence, new ErrorPayload(1045, "28000", $"BranchTasks tunnel: access denied for user '{app.User}': this tunnel requires the password from the connection string BranchTasks provides (localAuth is \"token\")."), cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        try
        {
            var ok = await upstream.LoginAsync(app, cancellationToken).ConfigureAwait(false);
            await PacketWriter.WritePayloadAsync(client, sequence, ok, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MySqlProtocolException e)
        {
            _owner.LoginFailed(e.Error.Message);
            await TrySendErrorAsync(client, sequence, e.Error with { Message = $"BranchTasks tunnel: logging in to {_endpoint.Host}:{_endpoint.Port} as '{_endpoint.User}' failed: {e.Error.Message}" }, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or InvalidDataException)
        {
            _owner.LoginFailed(e.Message);
            await TrySendErrorAsync(client, sequence, new ErrorPayload(2026, "HY000", $"BranchTasks tunnel: connecting to {_endpoint.Host}:{_endpoint.Port} failed during login: {e.Message}"), cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static async Task TrySendErrorAsync(Stream client, byte sequence, ErrorPayload error, CancellationToken cancellationToken)
    {
        try
        {
            await PacketWriter.WritePayloadAsync(client, sequence, error.Serialize(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// App → server: a copy loop that tracks packet boundaries (headers only) to spot COM_CHANGE_USER at the start of
    /// a command (sequence id 0). Bytes are forwarded as they arrive; only a partial header at the end of a read is held back.
    /// </summary>
    private void PumpToServer(Stream client, UpstreamSession upstream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var filled = 0;
            long remaining = 0; // payload bytes of the current packet still to pass
            var previousSequence = 0;
            var previousWasMax = false;
            while (true)
            {
                var read = client.Read(buffer.AsSpan(filled, BufferSize - filled));
                if (read == 0)
                {
                    break;
                }

                filled += read;
                var position = 0;
                var forwardEnd = filled;
                var changeUserLength = -1;
                while (position < filled)
                {
                    if (remaining > 0)
                    {
                        var skip = (int)Math.Min(remaining, filled - position);
                        position += skip;
                        remaining -= skip;
                        continue;
                    }

                    var available = filled - position;
                    if (available < 4)
                    {
                        forwardEnd = position;
                        break;
                    }

                    var length = buffer[position] | (buffer[position + 1] << 8) | (buffer[position + 2] << 16);
                    var sequence = buffer[position + 3];
                    if (length > 0 && available < 5)
                    {
                        forwardEnd = position;
                        break;
                    }

                    // A command starts with sequence id 0; a 0 after 255 is a long transfer wrapping around.
                    var isCommandStart = sequence == 0 && !previousWasMax && previousSequence != 255;
                    if (isCommandStart && length > 0 && buffer[position + 4] == ChangeUserPayload.Command && length < PacketReader.MaxPacketLength)
                    {
                        forwardEnd = position;
                        changeUserLength = length;
                        break;
                    }

                    previousSequence = sequence;
                    previousWasMax = length == PacketReader.MaxPacketLength;
                    position += 4;
                    remaining = length;
                }

                if (forwardEnd > 0)
                {
                    upstream.Stream.Write(buffer.AsSpan(0, forwardEnd));
                    _owner.AddToServer(forwardEnd);
                }

                Buffer.BlockCopy(buffer, forwardEnd, buffer, 0, filled - forwardEnd);
                filled -= forwardEnd;
                if (changeUserLength >= 0)
                {
                    var packet = new byte[changeUserLength];
                    var have = Math.Min(filled - 4, changeUserLength);
                    buffer.AsSpan(4, have).CopyTo(packet);
                    if (have < changeUserLength)
                    {
                        client.ReadExactly(packet.AsSpan(have));
                    }

                    var consumed = 4 + have;
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                    previousSequence = 0;
                    previousWasMax = false;
                    if (!ChangeUser(client, upstream, packet))
                    {
                        break;
                    }
                }
            }

            // The app went away (or sent COM_QUIT, which the server answers by closing): end the upstream leg.
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool ChangeUser(Stream client, UpstreamSession upstream, byte[] packet)
    {
        ChangeUserPayload request;
        try
        {
            request = ChangeUserPayload.Parse(packet, upstream.Capabilities);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or FormatException or IndexOutOfRangeException)
        {
            TrySendErrorAsync(client, 1, new ErrorPayload(1047, "08S01", "BranchTasks tunnel: malformed COM_CHANGE_USER."), CancellationToken.None).GetAwaiter().GetResult();
            return false;
        }

        if (_options.LocalAuth == LocalAuthMode.Token && !NativePasswordPlugin.Verify(_options.LocalPassword ?? "", _scramble, request.AuthResponse))
        {
            TrySendErrorAsync(client, 1, new ErrorPayload(1045, "28000", $"BranchTasks tunnel: access denied for user '{request.User}' (COM_CHANGE_USER): the tunnel's password is required."), CancellationToken.None).GetAwaiter().GetResult();
            return false;
        }

        var pending = new PendingChangeUser(request, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _pendingChangeUser, pending);
        try
        {
            upstream.SendChangeUserAsync(request, CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            pending.Sent.TrySetResult();
        }

        // The server's answer arrives on the other direction's thread, which completes the exchange.
        pending.Done.Task.GetAwaiter().GetResult();
        return true;
    }

    /// <summary>Server → app: a plain copy loop; it only steps in to finish a COM_CHANGE_USER exchange the other pump started.</summary>
    private void PumpToClient(UpstreamSession upstream, Stream client)
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

                var pending = Volatile.Read(ref _pendingChangeUser);
                if (pending is not null)
                {
                    Volatile.Write(ref _pendingChangeUser, null);
                    // The answer can arrive before the other thread has returned from writing the request; the
                    // exchange writes upstream too, and SslStream allows one writer at a time.
                    pending.Sent.Task.GetAwaiter().GetResult();
                    byte[] reply;
                    try
                    {
                        reply = upstream.CompleteAuthenticationAsync(new PacketReader(upstream.Stream, buffer.AsMemory(0, read).ToArray()), CancellationToken.None).GetAwaiter().GetResult();
                    }
                    catch (MySqlProtocolException e)
                    {
                        reply = (e.Error with { Message = $"BranchTasks tunnel: re-authenticating as '{_endpoint.User}' failed: {e.Error.Message}" }).Serialize();
                    }

                    PacketWriter.WritePayloadAsync(client, 1, reply, CancellationToken.None).GetAwaiter().GetResult();
                    pending.Done.TrySetResult();
                    continue;
                }

                client.Write(buffer.AsSpan(0, read));
                _owner.AddToClient(read);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
        }
        finally
        {
            Volatile.Read(ref _pendingChangeUser)?.Done.TrySetCanceled(CancellationToken.None);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
