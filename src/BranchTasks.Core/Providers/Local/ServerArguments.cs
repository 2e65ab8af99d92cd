namespace BranchTasks.Core.Providers.Local;

/// <summary>The server's command line (started by <see cref="Platform.ChildProcess.StartDetached"/>).</summary>
internal static class ServerArguments
{
    public static List<string> For(ServerBinaries binaries, LocalServerLayout layout, int port, string? initFile)
    {
        // --no-defaults must come first: no my.cnf on the machine may change where data goes or what listens.
        List<string> arguments =
        [
            "--no-defaults",
            "--datadir=" + layout.DataDirectory,
            "--port=" + port,
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--pid-file=" + layout.PidFile,
            "--log-error=" + layout.LogFile,
            "--innodb-buffer-pool-size=64M",
            // Each table in a file of its own: clones copy those files (the default since 5.6, stated so no build can differ).
            "--innodb-file-per-table=ON",
            // Many apps, pools and test runs share one dev server; the default 151 is easily reached.
            "--max-connections=1000",
            "--ssl-cert=" + layout.TlsCertificateFile,
            "--ssl-key=" + layout.TlsKeyFile,
            // Without it the server reads and writes any file it can (LOAD DATA INFILE, SELECT ... INTO OUTFILE).
            "--secure-file-priv=" + layout.SecureFilesDirectory,
            "--tmpdir=" + layout.TempDirectory,
        ];
        if (!OperatingSystem.IsWindows())
        {
            arguments.Add("--socket=" + layout.SocketFile);
        }

        if (binaries.Flavor == ServerFlavor.MySql)
        {
            // MySQL's X protocol listens on 33060 by default, so a second server on the machine would clash.
            arguments.Add("--mysqlx=OFF");

            // MySQL logs binary by default, and then only SUPER may create functions and triggers; the app account has no SUPER.
            arguments.Add("--log-bin-trust-function-creators=ON");
        }

        if (ServerIdentity.RunningAsRoot)
        {
            arguments.Add("--user=root");
        }

        if (initFile is not null)
        {
            arguments.Add("--init-file=" + initFile);
        }

        return arguments;
    }
}
