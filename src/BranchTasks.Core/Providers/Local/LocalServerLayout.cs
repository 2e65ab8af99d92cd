using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Where the private server keeps its files: everything under <c>&lt;state&gt;/local/</c>.</summary>
public sealed class LocalServerLayout
{
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

    /// <summary>
    /// The server's own temporary folder (bootstrap and runtime), so a shared /tmp can neither break it (another
    /// process cleaning <c>/tmp/#sql*</c> aborted bootstraps) nor read its temporary tables.
    /// </summary>
    public string TempDirectory => Path.Combine(Directory, "tmp");

    public string LogFile => Path.Combine(Directory, "server.log");

    public string PidFile => Path.Combine(Directory, "server.pid");

    public string LockFile => Path.Combine(Directory, "server.lock");

    /// <summary>
    /// The server always opens a Unix socket; inside the state directory when the path is short enough, else
    /// in the user's private socket folder (<see cref="UnixSocketPath"/>) under a name derived from this folder.
    /// </summary>
    public string SocketFile => UnixSocketPath.Resolve(Path.Combine(Directory, "mysqld.sock"), Directory);
}
