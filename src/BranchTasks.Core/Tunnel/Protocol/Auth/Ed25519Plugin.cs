using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol.Auth;

/// <summary>
/// MariaDB's <c>client_ed25519</c>: the response is an Ed25519 signature of the 32-byte scramble, made with the
/// key whose seed is the password itself (SHA-512(password), clamped, as in RFC 8032 with a seed of any length).
/// </summary>
internal sealed class Ed25519Plugin : IAuthenticationPlugin
{
    public const string PluginName = "client_ed25519";

    public static Ed25519Plugin Instance { get; } = new();

    public string Name => PluginName;

    public byte[] CreateResponse(string password, ReadOnlySpan<byte> scramble) => Ed25519.Sign(Encoding.UTF8.GetBytes(password), scramble);
}
