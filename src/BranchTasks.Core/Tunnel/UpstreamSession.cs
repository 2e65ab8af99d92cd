using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel.Protocol;
using BranchTasks.Core.Tunnel.Protocol.Auth;

namespace BranchTasks.Core.Tunnel;

/// <summary>The tunnel's leg to the upstream server: connect, TLS, login with the daemon's credentials, re-login on COM_CHANGE_USER.</summary>
internal sealed class UpstreamSession : IAsyncDisposable, IReauthenticatingUpstream
{
    private readonly UpstreamEndpoint _endpoint;
    private readonly TunnelOptions _options;
    private readonly Socket _socket;
    private byte[] _scramble = [];
    private string _pluginName = NativePasswordPlugin.PluginName;

    private UpstreamSession(UpstreamEndpoint endpoint, TunnelOptions options, Socket socket, InitialHandshakePayload handshake)
    {
        _endpoint = endpoint;
        _options = options;
        _socket = socket;
        Handshake = handshake;
        Stream = new BlockingSocketStream(socket);
        _scramble = handshake.AuthPluginData;
        _pluginName = handshake.AuthPluginName;
    }

    public InitialHandshakePayload Handshake { get; }

    public Stream Stream { get; private set; }

    public bool UsesTls { get; private set; }

    public CapabilityFlags Capabilities { get; private set; }

    /// <summary>Connects and reads the server's HandshakeV10 (nothing is sent yet).</summary>
    public static async Task<UpstreamSession> ConnectAsync(UpstreamEndpoint endpoint, TunnelOptions options, CancellationToken cancellationToken)
    {
        var socket = endpoint.UnixSocket is { } path ? ConnectUnix(path, cancellationToken) : null;
        socket ??= ConnectTcp(endpoint, cancellationToken);
        try
        {
            using var stop = cancellationToken.Register(socket.Dispose);
            var stream = new BlockingSocketStream(socket);
            var payload = await new PacketReader(stream, PacketReader.MaxLoginPayloadLength).ReadPayloadAsync(cancellationToken).ConfigureAwait(false);
            return new UpstreamSession(endpoint, options, socket, InitialHandshakePayload.Parse(payload));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Blocking calls, like every call on these sockets (see BlockingSocketStream); stopping the tunnel closes the
    // socket, which ends a connect or a wait for the greeting that hangs.
    private static Socket ConnectTcp(UpstreamEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true, NoDelay = true };
        try
        {
            using var stop = cancellationToken.Register(socket.Dispose);
            socket.Connect(endpoint.Host, endpoint.Port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The private server's Unix socket; null when it cannot be reached there (the socket file was removed, say by
    /// a cleaner of the temporary folder it falls back to), and the caller then dials TCP, with TLS as before.
    /// </summary>
    private static Socket? ConnectUnix(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var stop = cancellationToken.Register(socket.Dispose);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch (SocketException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The leg runs over the private server's Unix socket (no TLS: see <see cref="UpstreamEndpoint.UnixSocket"/>).</summary>
    public bool OverUnixSocket => _socket.AddressFamily == AddressFamily.Unix;

    /// <summary>
    /// Logs in with the daemon's credentials, carrying over the app's capabilities, database, character set and
    /// connection attributes. Returns the server's OK payload; throws <see cref="MySqlProtocolException"/> on ERR.
    /// </summary>
    public async Task<byte[]> LoginAsync(HandshakeResponse41Payload app, CancellationToken cancellationToken)
    {
        var server = Handshake.Capabilities;
        var capabilities = (app.Capabilities & ~(CapabilityFlags.Compress | CapabilityFlags.Ssl | CapabilityFlags.ZstdCompressionAlgorithm | CapabilityFlags.SslVerifyServerCertificate))
            | (server & (CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth | CapabilityFlags.PluginAuthLengthEncodedClientData));
        byte sequence = 1;
        var tls = (server & CapabilityFlags.Ssl) != 0 && _options.UpstreamTls && !OverUnixSocket;
        if (_endpoint.Tls.Required && !tls && !OverUnixSocket)
        {
            // A provider that requires TLS (PlanetScale, a shared server set to "required") must never get the password in the clear.
            throw new MySqlProtocolException(new ErrorPayload(2026, "HY000", $"the server at {_endpoint.Host}:{_endpoint.Port} does not offer TLS, which its provider requires"));
        }

        if (tls)
        {
            capabilities |= CapabilityFlags.Ssl;
            sequence = await PacketWriter.WritePayloadAsync(Stream, sequence, SslRequestPayload.Create(capabilities, app.MariaDbCapabilities, app.CharacterSet, app.MaxPacketSize), cancellationToken).ConfigureAwait(false);
            var ssl = new SslStream(Stream, leaveInnerStreamOpen: false, ValidateCertificate);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = TlsTargetHost() }, cancellationToken).ConfigureAwait(false);
            Stream = ssl;
            UsesTls = true;
        }

        Capabilities = capabilities;
        var plugin = AuthenticationPlugins.Find(_pluginName) ?? NativePasswordPlugin.Instance;
        _pluginName = plugin.Name;
        var response = new HandshakeResponse41Payload
        {
            Capabilities = capabilities,
            MariaDbCapabilities = app.MariaDbCapabilities,
            MaxPacketSize = app.MaxPacketSize,
            CharacterSet = app.CharacterSet,
            User = _endpoint.User,
            AuthResponse = plugin.CreateResponse(_endpoint.Password ?? "", _scramble),
            Database = app.Database,
            AuthPluginName = plugin.Name,
            ConnectionAttributes = app.ConnectionAttributes,
        };
        await PacketWriter.WritePayloadAsync(Stream, sequence, response.Serialize(), cancellationToken).ConfigureAwait(false);
        return await CompleteAuthenticationAsync(new PacketReader(Stream, PacketReader.MaxLoginPayloadLength), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends COM_CHANGE_USER with the daemon's credentials and the app's database (the reply is read by <see cref="CompleteAuthenticationAsync"/>).</summary>
    public async Task SendChangeUserAsync(ChangeUserPayload app, CancellationToken cancellationToken)
    {
        var plugin = AuthenticationPlugins.Find(_pluginName) ?? NativePasswordPlugin.Instance;
        var payload = new ChangeUserPayload
        {
            User = _endpoint.User,
            AuthResponse = plugin.CreateResponse(_endpoint.Password ?? "", _scramble),
            Database = app.Database,
            CharacterSet = app.CharacterSet,
            AuthPluginName = plugin.Name,
            ConnectionAttributes = app.ConnectionAttributes,
        };
        await PacketWriter.WritePayloadAsync(Stream, 0, payload.Serialize(Capabilities), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers auth switches and plugin requests until the server says OK (returned) or ERR (thrown).</summary>
    public async Task<byte[]> CompleteAuthenticationAsync(PacketReader reader, CancellationToken cancellationToken)
    {
        var password = _endpoint.Password ?? "";
        var requestedPublicKey = false;
        while (true)
        {
            var payload = await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false);
            var next = (byte)(reader.LastSequenceId + 1);
            switch (payload.Length == 0 ? -1 : payload[0])
            {
                case OkPayload.Header:
                    return payload;
                case ErrorPayload.Header:
                    throw new MySqlProtocolException(ErrorPayload.Parse(payload));
                case AuthSwitchRequestPayload.Header:
                    var request = AuthSwitchRequestPayload.Parse(payload);
                    var plugin = AuthenticationPlugins.Find(request.PluginName)
                        ?? throw new MySqlProtocolException(new ErrorPayload(1251, "08004", $"the server asked for authentication plugin '{request.PluginName}', which the tunnel does not support (supported: mysql_native_password, caching_sha2_password, client_ed25519)"));
                    _pluginName = plugin.Name;
                    _scramble = request.Data;
                    await PacketWriter.WritePayloadAsync(Stream, next, plugin.CreateResponse(password, _scramble), cancellationToken).ConfigureAwait(false);
                    break;
                case AuthMoreDataPayload.Header when _pluginName == CachingSha2PasswordPlugin.PluginName:
                    var data = AuthMoreDataPayload.Data(payload);
                    if (data.Length == 1 && data[0] == CachingSha2PasswordPlugin.FastAuthSuccess)
                    {
                        break;
                    }

                    if (data.Length == 1 && data[0] == CachingSha2PasswordPlugin.PerformFullAuthentication)
                    {
                        await WriteFullAuthenticationAsync(password, next, cancellationToken).ConfigureAwait(false);
                        requestedPublicKey = !UsesTls;
                        break;
                    }

                    if (!requestedPublicKey)
                    {
                        throw new MySqlProtocolException(new ErrorPayload(2027, "08S01", $"the server sent {data.Length} bytes of caching_sha2_password data the tunnel did not ask for"));
                    }

                    // The server's RSA public key, in answer to our request (made only to a loopback server).
                    requestedPublicKey = false;
                    var encrypted = CachingSha2PasswordPlugin.EncryptPassword(password, _scramble, Encoding.ASCII.GetString(data));
                    await PacketWriter.WritePayloadAsync(Stream, next, encrypted, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new MySqlProtocolException(new ErrorPayload(2027, "08S01", $"unexpected packet 0x{payload.FirstOrDefault():X2} during authentication with plugin {_pluginName}"));
            }
        }
    }

    /// <summary>
    /// caching_sha2_password's full authentication hands the server the password itself (in clear over TLS, or
    /// encrypted with the RSA key the server sends). Whoever answers gets it, so it goes only to a server that
    /// proved who it is (a verified certificate) or that is on this machine; anything else is refused here,
    /// before a byte of it is written.
    /// </summary>
    private async Task WriteFullAuthenticationAsync(string password, byte sequence, CancellationToken cancellationToken)
    {
        // The private server's socket is as private as TLS (MySQL counts it a secure transport and wants the password itself there).
        if ((UsesTls && (IsCertificateVerified || _endpoint.IsLoopback)) || OverUnixSocket)
        {
            await PacketWriter.WritePayloadAsync(Stream, sequence, CachingSha2PasswordPlugin.CleartextPassword(password), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!UsesTls && _endpoint.IsLoopback)
        {
            // A key fetched over an unauthenticated leg is trustworthy only when nothing can sit in between.
            await PacketWriter.WritePayloadAsync(Stream, sequence, new byte[] { CachingSha2PasswordPlugin.RequestPublicKey }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var why = UsesTls
            ? "over TLS whose certificate was not verified"
            : "over a connection without TLS, encrypted with an RSA key the server would send unauthenticated";
        throw new MySqlProtocolException(new ErrorPayload(2061, "HY000",
            $"{ErrorCodes.UnverifiedPasswordRequest}: {_endpoint.Host}:{_endpoint.Port} asked for the password itself (caching_sha2_password full authentication), which would go {why}: " +
            "anyone posing as the server would get it, so the tunnel did not send it. Verify the server: set \"tls\" to \"verify-full\" (or \"verify-ca\") in the \"mysql\" settings, with \"caCertificateFile\" for a private CA."));
    }

    /// <summary>The leg is TLS and the server's certificate was checked (chain at least) by the provider's policy.</summary>
    private bool IsCertificateVerified =>
        UsesTls && _endpoint.Tls.Check >= UpstreamCertificateCheck.Ca;

    /// <summary>
    /// .NET resumes TLS sessions only for a host name, never for an IP address, so every connection to the
    /// private server at 127.0.0.1 paid a full handshake (~4 ms). When the name is not checked anyway, a
    /// loopback address is named "localhost" (which the private server's certificate also lists) so the
    /// session is resumed; a checked name stays exactly as configured.
    /// </summary>
    private string TlsTargetHost()
    {
        return _endpoint.Tls.Check != UpstreamCertificateCheck.Full && System.Net.IPAddress.TryParse(_endpoint.Host, out var address) && System.Net.IPAddress.IsLoopback(address)
            ? "localhost"
            : _endpoint.Host;
    }

    // The provider's policy, the very object the daemon's own connections to this server use.
    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        _endpoint.Tls.Accepts(certificate, errors);

    /// <summary>Ends both directions of the upstream socket, which wakes a relay thread blocked on it.</summary>
    public void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
