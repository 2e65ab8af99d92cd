using System.Net.Sockets;
using System.Security.Cryptography;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel.Protocol;
using BranchTasks.Core.Tunnel.Protocol.Auth;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// A tunnel connection's login: who may connect, the greeting (from the upstream server's last greeting, with a
/// connection id of the tunnel's own), the app's login read within the login bounds and deadline, the local
/// check (none, or the token), then the upstream login with the daemon's credentials. Until the app's login has
/// passed, the peer costs bounded memory, a deadline and no upstream connection.
/// </summary>
internal sealed class TunnelLogin
{
    // Printable ASCII without NUL, as servers generate scrambles.
    private const string ScrambleAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&()*+,-./:;<=>?@[]^_{|}~";

    private readonly Socket _client;
    private readonly UpstreamEndpoint _endpoint;
    private readonly TunnelOptions _options;
    private readonly TunnelListener _owner;
    private readonly byte[] _scramble = System.Text.Encoding.ASCII.GetBytes(RandomNumberGenerator.GetString(ScrambleAlphabet, 20));

    public TunnelLogin(Socket client, UpstreamEndpoint endpoint, TunnelOptions options, TunnelListener owner)
    {
        _client = client;
        _endpoint = endpoint;
        _options = options;
        _owner = owner;
    }

    /// <summary>The tunnel's connection id for this connection (the one in its greeting), once greeted.</summary>
    public uint LocalConnectionId { get; private set; }

    /// <summary>
    /// Runs the login to its end. Returns the logged-in upstream session, or null when the login did not pass
    /// (the app has been told why, when it can be). <paramref name="connected"/> learns of the upstream session as
    /// soon as it exists, and <paramref name="shutDown"/> ends both legs when the deadline passes; a session
    /// that does not log in is disposed here.
    /// </summary>
    public async Task<UpstreamSession?> RunAsync(Stream clientStream, Action<UpstreamSession> connected, Action shutDown, CancellationToken cancellationToken)
    {
        // The deadline also cancels a connect to the upstream, which no socket shutdown would wake.
        using var login = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadline = new LoginDeadline(_options.LoginTimeout, () =>
        {
            shutDown();
            login.Cancel();
        });
        UpstreamSession? upstream = null;
        try
        {
            upstream = await LoginAsync(clientStream, deadline, connected, login.Token, cancellationToken).ConfigureAwait(false);
            if (upstream is not null && deadline.Complete())
            {
                var done = upstream;
                upstream = null;
                return done;
            }

            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // A peer that sends garbage, too much or too little, or nothing in time, loses its connection and nothing else.
            var why = deadline.Expired ? $"no login within {deadline.Limit.TotalSeconds:0} s" : e.Message;
            _owner.Log($"closed a connection before its login completed: {why}");
            return null;
        }
        finally
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether a COM_CHANGE_USER carries what the local login requires (the token, when <c>localAuth</c> is "token").</summary>
    public bool AcceptsChangeUser(ChangeUserPayload request) =>
        _options.LocalAuth != LocalAuthMode.Token || NativePasswordPlugin.Verify(_options.LocalPassword ?? "", _scramble, request.AuthResponse);

    private async Task<UpstreamSession?> LoginAsync(Stream clientStream, LoginDeadline deadline, Action<UpstreamSession> connected, CancellationToken login, CancellationToken cancellationToken)
    {
        var owner = _options.IdentifyPeer(_client);
        if (!IsAllowed(owner, out var refusal))
        {
            _owner.Refused(refusal);
            await ClientErrorReply.TrySendAsync(clientStream, 0, new ErrorPayload(1045, "28000", "BranchTasks tunnel: " + refusal), cancellationToken).ConfigureAwait(false);
            return null;
        }

        InitialHandshakePayload greeting;
        try
        {
            greeting = await _owner.GetUpstreamGreetingAsync(login).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or MySqlProtocolException or ObjectDisposedException)
        {
            await TellUpstreamUnreachableAsync(clientStream, e, 0, cancellationToken).ConfigureAwait(false);
            return null;
        }

        LocalConnectionId = TunnelConnectionIds.Allocate();
        var appLogin = await ReadLocalLoginAsync(clientStream, greeting, LocalConnectionId, login).ConfigureAwait(false);
        if (appLogin is null)
        {
            return null;
        }

        deadline.Extend(_options.UpstreamLoginTimeout);
        UpstreamSession upstream;
        try
        {
            upstream = await UpstreamSession.ConnectAsync(_endpoint, _options, login).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or MySqlProtocolException or ObjectDisposedException)
        {
            await TellUpstreamUnreachableAsync(clientStream, e, appLogin.Value.Sequence, cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            connected(upstream);
            if (cancellationToken.IsCancellationRequested || !await LoginUpstreamAsync(clientStream, upstream, appLogin.Value.Response, appLogin.Value.Sequence, login).ConfigureAwait(false))
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            return upstream;
        }
        catch
        {
            await upstream.DisposeAsync().ConfigureAwait(false);
            throw;
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
        await ClientErrorReply.TrySendAsync(clientStream, sequence, new ErrorPayload(ClientErrorReply.UpstreamUnavailableCode, "08S01", $"BranchTasks tunnel: cannot reach the upstream server {_endpoint.Host}:{_endpoint.Port}: {message}. Check that the server is running (for the local provider, `branchtasks up` starts its private server again); this tunnel serves again as soon as the server answers."), cancellationToken).ConfigureAwait(false);
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
            await ClientErrorReply.TrySendAsync(client, sequence, new ErrorPayload(1043, "08S01", "BranchTasks tunnel: TLS is not offered on the local loopback port; connect without SSL (SslMode=None / --skip-ssl)."), cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (_options.LocalAuth == LocalAuthMode.Token)
        {
            var response = app.AuthResponse;
            if (app.AuthPluginName is { } plugin && plugin != NativePasswordPlugin.PluginName)
            {
                await PacketWriter.WritePayloadAsync(client, sequence, new AuthSwitchRequestPayload(NativePasswordPlugin.PluginName, _scramble).Serialize(), cancellationToken).ConfigureAwait(false);
                response = await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false);
                sequence = (byte)(reader.LastSequenceId + 1);
            }

            if (!NativePasswordPlugin.Verify(_options.LocalPassword ?? "", _scramble, response))
            {
                _owner.Refused($"wrong token for user '{app.User}'");
                await ClientErrorReply.TrySendAsync(client, sequence, new ErrorPayload(1045, "28000", $"BranchTasks tunnel: access denied for user '{app.User}': this tunnel requires the password from the connection string BranchTasks provides (localAuth is \"token\")."), cancellationToken).ConfigureAwait(false);
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
            await ClientErrorReply.TrySendAsync(client, sequence, e.Error with { Message = $"BranchTasks tunnel: logging in to {_endpoint.Host}:{_endpoint.Port} as '{_endpoint.User}' failed: {e.Error.Message}" }, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or InvalidDataException)
        {
            _owner.LoginFailed(e.Message);
            await ClientErrorReply.TrySendAsync(client, sequence, new ErrorPayload(ClientErrorReply.UpstreamUnavailableCode, "08S01", $"BranchTasks tunnel: connecting to {_endpoint.Host}:{_endpoint.Port} failed during login: {e.Message}"), cancellationToken).ConfigureAwait(false);
            return false;
        }
    }
}
