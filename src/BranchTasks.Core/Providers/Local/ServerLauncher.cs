using System.Diagnostics;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Starts the server process detached from the caller's console and pipes.</summary>
internal static class ServerLauncher
{
    public static List<string> Arguments(ServerBinaries binaries, LocalServerLayout layout, int port, string? initFile)
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

    /// <summary>
    /// The server must not inherit the caller's stdout/stderr: whoever reads them (a shell pipe, MSBuild,
    /// the test runner) would wait for EOF for as long as the server lives. On Unix a shell points its
    /// stdio at the log and then becomes the server (exec keeps the pid), so even errors printed before
    /// the server opens its log land there.
    /// </summary>
    public static Process Start(ServerBinaries binaries, IReadOnlyList<string> arguments, string logFile)
    {
        ProcessStartInfo startInfo;
        if (OperatingSystem.IsWindows())
        {
            startInfo = new ProcessStartInfo(binaries.ServerPath)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else
        {
            startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add("log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
            startInfo.ArgumentList.Add("sh");
            startInfo.ArgumentList.Add(logFile);
            startInfo.ArgumentList.Add(binaries.ServerPath);
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{binaries.ServerPath} did not start.");
        if (OperatingSystem.IsWindows())
        {
            // Drained and dropped: the server writes its own log; an unread pipe would eventually block it.
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
        }

        return process;
    }
}
