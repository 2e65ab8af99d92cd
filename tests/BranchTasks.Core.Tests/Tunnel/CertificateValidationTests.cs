using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>The certificate rule itself, on certificates made here (no server): what each check level accepts.</summary>
public sealed class CertificateValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-certs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void No_check_accepts_any_certificate_and_even_none()
    {
        using var leaf = SelfSigned("CN=anything");
        Assert.True(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.None, null, leaf, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.True(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.None, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Theory]
    [InlineData(UpstreamCertificateCheck.Ca)]
    [InlineData(UpstreamCertificateCheck.Full)]
    public void A_checked_leg_refuses_a_missing_certificate_and_an_untrusted_chain(UpstreamCertificateCheck check)
    {
        using var leaf = SelfSigned("CN=server");
        Assert.False(CertificateValidation.IsAcceptable(check, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.False(CertificateValidation.IsAcceptable(check, null, leaf, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(CertificateValidation.IsAcceptable(check, null, leaf, SslPolicyErrors.None));
    }

    [Fact]
    public void Only_full_checks_the_name()
    {
        using var leaf = SelfSigned("CN=server");
        Assert.True(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Ca, null, leaf, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Full, null, leaf, SslPolicyErrors.RemoteCertificateNameMismatch));
        // A CA file adds trust; it never excuses a wrong name.
        var file = Pem("self.pem", leaf);
        Assert.False(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Full, file, leaf, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void A_self_signed_server_certificate_listed_in_the_CA_file_is_trusted_and_another_is_not()
    {
        using var leaf = SelfSigned("CN=server");
        using var other = SelfSigned("CN=server");
        var file = Pem("listed.pem", other, leaf);
        Assert.True(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Full, file, leaf, SslPolicyErrors.RemoteCertificateChainErrors));

        // Same subject, other key: chain building by name would pick it; the rule compares the certificate itself.
        var onlyOther = Pem("other.pem", other);
        Assert.False(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Full, onlyOther, leaf, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void A_chain_ending_in_a_CA_of_the_file_is_trusted_and_one_ending_elsewhere_is_not()
    {
        using var caKey = RSA.Create(2048);
        using var ca = MakeCa("CN=Private CA", caKey);
        using var leaf = Issue("CN=server", ca, caKey);
        using var strangerKey = RSA.Create(2048);
        using var stranger = MakeCa("CN=Stranger CA", strangerKey);

        Assert.True(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Ca, Pem("ca.pem", ca), leaf, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(CertificateValidation.IsAcceptable(UpstreamCertificateCheck.Ca, Pem("stranger.pem", stranger), leaf, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    private string Pem(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 MakeCa(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(string subject, X509Certificate2 ca, RSA caKey)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var generator = X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1);
        return request.Create(ca.SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
    }
}
