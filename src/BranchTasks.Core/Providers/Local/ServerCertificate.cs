using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.Local;

/// <summary>The private server's self-signed TLS certificate: made once, key file readable by the user only.</summary>
internal static class ServerCertificate
{
    public static void EnsureExists(StateDirectory state, LocalServerLayout layout)
    {
        if (File.Exists(layout.TlsCertificateFile) && File.Exists(layout.TlsKeyFile))
        {
            return;
        }

        state.EnsureDirectory(Path.GetRelativePath(state.Root, layout.TlsDirectory));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=BranchTasks private server", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(20));
        StateDirectory.WritePrivateFile(layout.TlsKeyFile, key.ExportPkcs8PrivateKeyPem());
        StateDirectory.WritePrivateFile(layout.TlsCertificateFile, certificate.ExportCertificatePem());
    }
}
