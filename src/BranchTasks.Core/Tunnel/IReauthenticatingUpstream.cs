using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tunnel;

/// <summary>The upstream leg as <see cref="ChangeUserExchange"/> uses it: <see cref="UpstreamSession"/>, or a stand-in of any timing in tests.</summary>
internal interface IReauthenticatingUpstream
{
    Stream Stream { get; }

    /// <summary>Writes COM_CHANGE_USER with the daemon's credentials and the app's database, attributes and character set.</summary>
    Task SendChangeUserAsync(ChangeUserPayload app, CancellationToken cancellationToken);

    /// <summary>Answers auth switches and plugin requests until the server says OK (returned) or ERR (<see cref="MySqlProtocolException"/>).</summary>
    Task<byte[]> CompleteAuthenticationAsync(PacketReader reader, CancellationToken cancellationToken);
}
