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
    /// <summary>ER_CONNECT_TO_FOREIGN_DATA_SOURCE, "unable to connect to foreign data source": a server-range code every client shows.</summary>
    internal const ushort UpstreamUnavailableCode = 1429;

    private const ushort ClientErrorCodesFrom = 2000;
    private const ushort ClientErrorCodesTo = 2999;

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
    /// Until the app's login has passed, the peer costs bounded memory, a deadline and no upstream connection: the
    /// greeting shows what the upstream server greeted with last (see <see cref="TunnelListener.GetUpstreamGreetingAsync"/>)
    /// and a connection id of the tunnel's own.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _client.NoDelay = true;
        await using var clientStream = new BlockingSocketStream(_client);
        // Blocking calls do not watch the token: stopping the tunnel shuts the sockets down, which wakes them.
        using var stop = cancellationToken.Register(ShutDown);
        // The deadline also cancels a connect to the upstream, which no socket shutdown would wake.
        using var login = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadline = new LoginDeadline(_options.LoginTimeout, () =>
        {
            ShutDown();
            login.Cancel();
        });
        UpstreamSession? upstream = null;
        try
        {
            var owner = _options.IdentifyPeer(_client);
            if (!IsAllowed(owner, out var refusal))
            {
                _owner.Refused(refusal);
                await TrySendErrorAsync(clientStream, 0, new ErrorPayload(1045, "28000", "BranchTasks tunnel: " + refusal), cancellationToken).ConfigureAwait(false);
                return;
            }

            InitialHandshakePayload greeting;
            try
            {
                greeting = await _owner.GetUpstreamGreetingAsync(login.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException or EndOfStreamException or MySqlProtocolException or ObjectDisposedException)
            {
                await TellUpstreamUnreachableAsync(clientStream, e, 0, cancellationToken).ConfigureAwait(false);
                return;
            }

            var localId = TunnelConnectionIds.Allocate();
            var appLogin = await ReadLocalLoginAsync(clientStream, greeting, localId, login.Token).ConfigureAwait(false);
            if (appLogin is null)
            {
                return;
            }

            deadline.Extend(_options.UpstreamLoginTimeout);
            try
            {
                upstream = await UpstreamSession.ConnectAsync(_endpoint, _options, login.Token).ConfigureAwait(false);
                Volatile.Write(ref _upstream, upstream);
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException or EndOfStreamException or MySqlProtocolException or ObjectDisposedException)
            {
                await TellUpstreamUnreachableAsync(clientStream, e, appLogin.Value.Sequence, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (cancellationToken.IsCancellationRequested || !await LoginUpstreamAsync(clientStream, upstream, appLogin.Value.Response, appLogin.Value.Sequence, login.Token).ConfigureAwait(false))
            {
                return;
            }

            if (!deadline.Complete())
            {
                return;
            }

            _owner.ConnectionLoggedIn(upstream.UsesTls, upstream.Handshake);
            _owner.ConnectionIds.Register(localId, upstream.Handshake.ConnectionId);

            try
            {
                Relay(clientStream, upstream);
            }
            finally
            {
                _owner.ConnectionIds.Release(localId);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or EndOfStreamException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // A peer that sends garbage, too much or too little, or nothing in time, loses its connection and nothing else.
            var why = deadline.Expired ? $"no login within {deadline.Limit.TotalSeconds:0} s" : e.Message;
            _owner.Log($"closed a connection before its login completed: {why}");
        }
        finally
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private bool IsAllowed(Platform.PeerOwner owner, out string refusal)
    {
        switch (owner.Kind)
        {
            case Platform.PeerOwnerKind.CurrentUser:
                refusal = "";
                return true;
            case Platform.PeerOwnerKind.OtherUser:
                refusal = $"error {Errors.ErrorCodes.TunnelPeerRefused}: this tunnel serves only the OS user who started it; the connection comes from another user{(owner.UserId is null ? "" : $" ({owner.UserId})")}. Run your app as that user, or start BranchTasks as yours.";
                return false;
            case Platform.PeerOwnerKind.Unknown when _options.LocalAuth == LocalAuthMode.Token:
                // The token is the identity where the OS user cannot be told (a port published into a container).
                refusal = "";
                return true;
            default:
                refusal = $"error {Errors.ErrorCodes.TunnelPeerRefused}: cannot tell which OS user this connection comes from, and this tunnel serves only its owner. Connect from this machine as the user who started BranchTasks, or set \"localAuth\": \"token\" in branchtasks.json.";
                return false;
        }
    }

    /// <summary>Tells the app, in the protocol it speaks, why there is no upstream, instead of a bare disconnect.</summary>
    private async Task TellUpstreamUnreachableAsync(Stream clientStream, Exception e, byte sequence, CancellationToken cancellationToken)
    {
        var message = e is MySqlProtocolException p ? p.Error.Message : e.Message;
        _owner.LoginFailed(message);
        await TrySendErrorAsync(clientStream, sequence, new ErrorPayload(UpstreamUnavailableCode, "08S01", $"BranchTasks tunnel: cannot reach the upstream server {_endpoint.Host}:{_endpoint.Port}: {message}. Check that the server is running (for the local provider, `branchtasks up` starts its private server again); this tunnel serves again as soon as the server answers."), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Greets the app as the upstream server would and reads its login; null when it was refused (the app has been told why).</summary>
    private async Task<(HandshakeResponse41Payload Response, byte Sequence)?> ReadLocalLoginAsync(Stream client, InitialHandshakePayload server, uint connectionId, CancellationToken cancellationToken)
    {
        var offered = server.Capabilities & ~(CapabilityFlags.Compress | CapabilityFlags.Ssl | CapabilityFlags.ZstdCompressionAlgorithm | CapabilityFlags.SslVerifyServerCertificate | CapabilityFlags.MultiFactorAuthentication);
        var handshake = new InitialHandshakePayload
        {
            ServerVersion = server.ServerVersion,
            ConnectionId = connectionId,
            AuthPluginData = _scramble,
            Capabilities = offered | CapabilityFlags.PluginAuth | CapabilityFlags.SecureConnection,
            MariaDbCapabilities = server.MariaDbCapabilities,
            CharacterSet = server.CharacterSet,
            StatusFlags = server.StatusFlags,
            AuthPluginName = NativePasswordPlugin.PluginName,
        };
        await PacketWriter.WritePayloadAsync(client, 0, handshake.Serialize(), cancellationToken).ConfigureAwait(false);

        var reader = new PacketReader(client, PacketReader.MaxLoginPayloadLength);
        var app = HandshakeResponse41Payload.Parse(await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false));
        var sequence = (byte)(reader.LastSequenceId + 1);
        if (app.IsSslRequest)
        {
            await TrySendErrorAsync(client, sequence, new ErrorPayload(1043, "08S01", "BranchTasks tunnel: TLS is not offered on the local loopback port; connect without SSL (SslMode=None / --skip-ssl)."), cancellationToken).ConfigureAwait(false);
            return null;
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
                _owner.Refused($"wrong token for user '{app.User}'");
                await TrySendErrorAsync(client, sequence, new ErrorPayload(1045, "28000", $"BranchTasks tunnel: access denied for user '{app.User}': this tunnel requires the password from the connection string BranchTasks provides (localAuth is \"token\")."), cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        return (app, sequence);
    }

    private async Task<bool> LoginUpstreamAsync(Stream client, UpstreamSession upstream, HandshakeResponse41Payload app, byte sequence, CancellationToken cancellationToken)
    {
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
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or InvalidDataException or EndOfStreamException)
        {
            _owner.LoginFailed(e.Message);
            await TrySendErrorAsync(client, sequence, new ErrorPayload(UpstreamUnavailableCode, "08S01", $"BranchTasks tunnel: connecting to {_endpoint.Host}:{_endpoint.Port} failed during login: {e.Message}"), cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private void Relay(Stream clientStream, UpstreamSession upstream)
    {
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

    private static async Task TrySendErrorAsync(Stream client, byte sequence, ErrorPayload error, CancellationToken cancellationToken)
    {
        if (error.ErrorCode is >= ClientErrorCodesFrom and <= ClientErrorCodesTo)
        {
            // Codes 2000-2999 belong to client libraries: libmariadb (the mariadb CLI, PHP, Python) reports an ERR
            // packet carrying one as "2027 Received malformed packet" and drops the message, so a server code says it.
            error = error with { ErrorCode = UpstreamUnavailableCode };
        }

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
                var forwardEnd = filled;
                var changeUserLength = -1;
                var killLength = -1;
                byte[]? killPayload = null;
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

                    if (isCommandStart && length <= KillCommandRewriter.MaxInspectedLength && buffer[position + 4] is KillCommandRewriter.ComQuery or KillCommandRewriter.ComProcessKill)
                    {
                        if (available < 4 + length)
                        {
                            // Small enough to wait for whole: it may be a KILL to re-address.
                            forwardEnd = position;
                            break;
                        }

                        var rewritten = KillCommandRewriter.Rewrite(buffer.AsSpan(position + 4, length), _owner.ConnectionIds.UpstreamOf);
                        if (rewritten is not null)
                        {
                            forwardEnd = position;
                            killLength = length;
                            killPayload = rewritten;
                            break;
                        }
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
                if (killPayload is not null)
                {
                    PacketWriter.WritePayloadAsync(upstream.Stream, 0, killPayload, CancellationToken.None).GetAwaiter().GetResult();
                    var consumed = 4 + killLength;
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                    previousSequence = 0;
                    previousWasMax = false;
                    scanLeftover = filled > 0;
                    continue;
                }

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

                    scanLeftover = filled > 0;
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
        catch (InvalidDataException)
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
                        reply = upstream.CompleteAuthenticationAsync(new PacketReader(upstream.Stream, PacketReader.MaxLoginPayloadLength, buffer.AsMemory(0, read).ToArray()), CancellationToken.None).GetAwaiter().GetResult();
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
