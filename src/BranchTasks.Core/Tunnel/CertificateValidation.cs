using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace BranchTasks.Core.Tunnel;

/// <summary>One certificate rule for every TLS leg BranchTasks opens to a database server.</summary>
public static class CertificateValidation
{
    /// <param name="caCertificateFile">PEM file of extra trusted CAs: a chain ending in one of them is trusted, as is one ending in a system root.</param>
    public static bool IsAcceptable(UpstreamCertificateCheck check, string? caCertificateFile, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (check == UpstreamCertificateCheck.None)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        var nameOk = check != UpstreamCertificateCheck.Full || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        if (!nameOk)
        {
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0)
        {
            return true;
        }

        if (caCertificateFile is null)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(caCertificateFile);
        try
        {
            // A self-signed server certificate listed in the file is trusted as it is: chain building looks
            // issuers up by subject, which picks the wrong one when several such certificates share a name.
            if (trusted.Any(t => t.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)))
            {
                return true;
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
            return custom.Build(leaf);
        }
        finally
        {
            foreach (var item in trusted)
            {
                item.Dispose();
            }
        }
    }
}
