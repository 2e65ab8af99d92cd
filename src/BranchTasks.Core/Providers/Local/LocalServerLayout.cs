using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Where the private server keeps its files: everything under <c>&lt;state&gt;/local/</c>.</summary>
public sealed class LocalServerLayout
{
    // sun_path is 104 bytes on macOS and 108 on Linux; keep a margin.
    private const int MaxSocketPathBytes = 100;

    public LocalServerLayout(StateDirectory state)
    {
        Directory = state.PathOf("local");
    }

    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string StateFile => Path.Combine(Directory, "server.json");

    public string CredentialsFile => Path.Combine(Directory, "credentials.json");

    /// <summary>The server's self-signed TLS certificate and key (mode 0600), made at initialisation.</summary>
    public string TlsDirectory => Path.Combine(Directory, "tls");

    public string TlsCertificateFile => Path.Combine(TlsDirectory, "server-cert.pem");

    public string TlsKeyFile => Path.Combine(TlsDirectory, "server-key.pem");

    /// <summary>The one folder the server may read and write files in (<c>--secure-file-priv</c>): empty, mode 0700.</summary>
    public string SecureFilesDirectory => Path.Combine(Directory, "secure-files");

    public string LogFile => Path.Combine(Directory, "server.log");

    public string PidFile => Path.Combine(Directory, "server.pid");

    public string LockFile => Path.Combine(Directory, "server.lock");

    /// <summary>
    /// The server always opens a Unix socket; inside the state directory when the path is short enough,
    /// else in the temp folder under a name derived from the state directory, so two states never clash.
    /// </summary>
    public string SocketFile
    {
        get
        {
            var inState = Path.Combine(Directory, "mysqld.sock");
            if (Encoding.UTF8.GetByteCount(inState) <= MaxSocketPathBytes)
            {
                return inState;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Directory)))[..16];
            return Path.Combine("/tmp", $"branchtasks-{hash}.sock");
        }
    }
}
