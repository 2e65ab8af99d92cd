using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol.Auth;

/// <summary>
/// MySQL's <c>caching_sha2_password</c>. Fast authentication: XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + scramble)).
/// Full authentication: the password in clear over TLS, else RSA-OAEP encrypted with the server's public key after XOR with the scramble.
/// </summary>
internal sealed class CachingSha2PasswordPlugin : IAuthenticationPlugin
{
    public const string PluginName = "caching_sha2_password";

    /// <summary>AuthMoreData byte: the cached hash matched, an OK follows.</summary>
    public const byte FastAuthSuccess = 3;

    /// <summary>AuthMoreData byte: the server needs the password itself.</summary>
    public const byte PerformFullAuthentication = 4;

    /// <summary>What the client sends to ask for the server's RSA public key.</summary>
    public const byte RequestPublicKey = 2;

    public static CachingSha2PasswordPlugin Instance { get; } = new();

    public string Name => PluginName;

    public byte[] CreateResponse(string password, ReadOnlySpan<byte> scramble)
    {
        if (password.Length == 0)
        {
            return [];
        }

        var hash1 = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        var hash2 = SHA256.HashData(hash1);
        var hash3 = SHA256.HashData([.. hash2, .. scramble[..Math.Min(20, scramble.Length)]]);
        for (var i = 0; i < hash1.Length; i++)
        {
            hash1[i] ^= hash3[i];
        }

        return hash1;
    }

    /// <summary>Full authentication over TLS: the password, NUL-terminated.</summary>
    public static byte[] CleartextPassword(string password) => [.. Encoding.UTF8.GetBytes(password), 0];

    /// <summary>Full authentication without TLS: (password + NUL) XOR scramble, RSA-OAEP(SHA-1) encrypted with the server's PEM public key.</summary>
    public static byte[] EncryptPassword(string password, ReadOnlySpan<byte> scramble, string publicKeyPem)
    {
        var clear = CleartextPassword(password);
        var seed = scramble[..Math.Min(20, scramble.Length)];
        for (var i = 0; i < clear.Length; i++)
        {
            clear[i] ^= seed[i % seed.Length];
        }

        using var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        return rsa.Encrypt(clear, RSAEncryptionPadding.OaepSHA1);
    }
}
