using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Tunnel.Protocol.Auth;

namespace BranchTasks.Core.Tests.Tunnel.Protocol.Auth;

/// <summary>caching_sha2_password exists only on MySQL servers, so it is checked against known vectors here.</summary>
public sealed class AuthPluginTests
{
    private static readonly byte[] Scramble =
    [
        0x3e, 0x3b, 0x04, 0x55, 0x04, 0x70, 0x16, 0x3a, 0x4c, 0x15,
        0x35, 0x03, 0x15, 0x76, 0x73, 0x22, 0x46, 0x08, 0x18, 0x01,
    ];

    [Fact]
    public void Caching_sha2_fast_auth_scramble_matches_a_captured_login()
    {
        // Password "hola" and the scramble above, as captured from a MySQL 8 login (the vector Boost.MySQL's tests use).
        var expected = Convert.FromHexString("a1c1e1e91bb6544ba7374b9c566d693e06ca070298acd10618c690389d88e120");

        Assert.Equal(expected, CachingSha2PasswordPlugin.Instance.CreateResponse("hola", Scramble));
        Assert.Empty(CachingSha2PasswordPlugin.Instance.CreateResponse("", Scramble));
    }

    [Fact]
    public void Caching_sha2_full_auth_encrypts_the_scrambled_password_with_rsa_oaep()
    {
        using var rsa = RSA.Create(2048);
        var encrypted = CachingSha2PasswordPlugin.EncryptPassword("s3cret-password-longer-than-20", Scramble, rsa.ExportSubjectPublicKeyInfoPem());
        var clear = rsa.Decrypt(encrypted, RSAEncryptionPadding.OaepSHA1);
        for (var i = 0; i < clear.Length; i++)
        {
            clear[i] ^= Scramble[i % Scramble.Length];
        }

        Assert.Equal("s3cret-password-longer-than-20\0", Encoding.UTF8.GetString(clear));
        Assert.Equal("pw\0"u8.ToArray(), CachingSha2PasswordPlugin.CleartextPassword("pw"));
    }

    [Fact]
    public void Native_password_response_verifies_only_with_the_right_password()
    {
        var response = NativePasswordPlugin.Instance.CreateResponse("token", Scramble);

        Assert.Equal(20, response.Length);
        Assert.True(NativePasswordPlugin.Verify("token", Scramble, response));
        Assert.False(NativePasswordPlugin.Verify("other", Scramble, response));
        Assert.False(NativePasswordPlugin.Verify("token", Scramble, []));
    }
}
