using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Creates the private server's data directory the first time it is needed.</summary>
internal sealed class LocalServerInitializer(StateDirectory state, LocalServerLayout layout)
{
    private static readonly TimeSpan InitTimeout = TimeSpan.FromMinutes(3);

    /// <summary>True when the data directory was created just now (so the BranchTasks accounts must be made).</summary>
    public async Task<bool> EnsureInitializedAsync(ServerBinaries binaries, CancellationToken cancellationToken)
    {
        // The `mysql` system schema is the last thing both install paths create; without it a directory is a leftover.
        if (Directory.Exists(Path.Combine(layout.DataDirectory, "mysql")))
        {
            return false;
        }

        RemoveDataDirectory();
        state.EnsureDirectory(Path.GetRelativePath(state.Root, layout.DataDirectory));
        state.EnsureDirectory(Path.GetRelativePath(state.Root, layout.TempDirectory));

        var (tool, arguments) = Command(binaries);
        var logOffset = ServerLog.CurrentLength(layout.LogFile);
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(new ProcessCommand(tool, arguments), new ChildProcessOptions { Timeout = InitTimeout }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            RemoveDataDirectory();
            throw;
        }

        if (result.ExitCode != 0 || !Directory.Exists(Path.Combine(layout.DataDirectory, "mysql")))
        {
            RemoveDataDirectory();
            var why = result.TimedOut ? $"did not finish within {InitTimeout.TotalMinutes:0} minutes" : $"exited with code {result.ExitCode}";
            // The install tool ends with pages of generic advice; the cause is in what it wrote before.
            var initLog = Path.Combine(layout.Directory, "init.log");
            StateDirectory.WritePrivateFile(initLog, $"{tool} {string.Join(' ', arguments)}{Environment.NewLine}--- stderr ---{Environment.NewLine}{result.StandardError}{Environment.NewLine}--- stdout ---{Environment.NewLine}{result.StandardOutput}");
            var tail = ChildProcessResult.Tail(string.IsNullOrWhiteSpace(result.StandardError) ? result.StandardOutput : result.StandardError) + $"{Environment.NewLine}(full output in {initLog})";
            if (binaries.Flavor == ServerFlavor.MySql)
            {
                // mysqld --initialize writes its complaints to the error log, not to stderr.
                tail += Environment.NewLine + ServerLog.Tail(layout.LogFile, logOffset);
            }

            throw new BranchTasksException(
                ErrorCodes.ServerInitFailed,
                $"Initialising the private server's data directory {layout.DataDirectory} failed: {Path.GetFileName(tool)} {why}." +
                $"{Environment.NewLine}{tail}{Environment.NewLine}" +
                "Check that the MariaDB installation is complete and the state directory is writable; the half-made data directory was removed, so the next run starts over.");
        }

        return true;
    }

    private (string Tool, List<string> Arguments) Command(ServerBinaries binaries)
    {
        var datadir = "--datadir=" + layout.DataDirectory;
        var basedir = "--basedir=" + binaries.BaseDirectory;
        var tmpdir = "--tmpdir=" + layout.TempDirectory;
        List<string> arguments;
        string tool;
        if (binaries.Flavor == ServerFlavor.MySql)
        {
            tool = binaries.ServerPath;
            arguments = ["--no-defaults", "--initialize-insecure", datadir, basedir, tmpdir, "--log-error=" + layout.LogFile];
        }
        else if (OperatingSystem.IsWindows())
        {
            // The Windows mysql_install_db.exe is a different program with its own, smaller option set (and %TEMP% is per user).
            tool = binaries.InstallToolPath!;
            arguments = [datadir];
        }
        else
        {
            tool = binaries.InstallToolPath!;
            // Options the script does not know (--tmpdir) go on to the bootstrapping server.
            arguments = ["--no-defaults", datadir, basedir, "--auth-root-authentication-method=socket", "--skip-test-db", tmpdir];
        }

        if (ServerIdentity.RunningAsRoot)
        {
            arguments.Add("--user=root");
        }

        return (tool, arguments);
    }

    private void RemoveDataDirectory()
    {
        if (Directory.Exists(layout.DataDirectory))
        {
            Directory.Delete(layout.DataDirectory, recursive: true);
        }
    }
}
