using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol.Auth;

/// <summary><c>mysql_native_password</c>: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).</summary>
internal sealed class NativePasswordPlugin : IAuthenticationPlugin
{
    public const string PluginName = "mysql_native_password";

    public static NativePasswordPlugin Instance { get; } = new();

    public string Name => PluginName;

    public byte[] CreateResponse(string password, ReadOnlySpan<byte> scramble)
    {
        if (password.Length == 0)
        {
            return [];
        }

        // mysql_native_password is defined on SHA-1; the tunnel speaks it only because clients and servers do.
#pragma warning disable CA5350
        var hash1 = SHA1.HashData(Encoding.UTF8.GetBytes(password));
        var hash2 = SHA1.HashData(hash1);
        var hash3 = SHA1.HashData([.. scramble[..Math.Min(20, scramble.Length)], .. hash2]);
#pragma warning restore CA5350
        for (var i = 0; i < hash1.Length; i++)
        {
            hash1[i] ^= hash3[i];
        }

        return hash1;
    }

    /// <summary>Checks a client's response against the expected password, in constant time.</summary>
    public static bool Verify(string password, ReadOnlySpan<byte> scramble, ReadOnlySpan<byte> response) =>
        CryptographicOperations.FixedTimeEquals(Instance.CreateResponse(password, scramble), response);
}
