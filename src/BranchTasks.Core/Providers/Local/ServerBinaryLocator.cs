using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Providers.Local;

/// <summary>
/// Finds the MariaDB/MySQL server binaries the private server runs from: the configured
/// <c>local.serverPath</c>, then PATH, then the folders package managers install to.
/// </summary>
public sealed class ServerBinaryLocator
{
    private static readonly string[] ServerNames = ["mariadbd", "mysqld"];
    private static readonly string[] InstallToolNames = ["mariadb-install-db", "mysql_install_db"];
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(10);

    private readonly string? _configuredServerPath;
    private readonly IReadOnlyList<string> _pathDirectories;
    private readonly IReadOnlyList<string> _candidateFolders;
    private readonly bool _windows;

    /// <param name="configuredServerPath"><c>local.serverPath</c>, or null.</param>
    /// <param name="pathVariable">The PATH value to search (tests pass an empty one).</param>
    /// <param name="candidateFolders">Well-known install folders searched after PATH.</param>
    /// <param name="windows">Whether binaries carry <c>.exe</c>.</param>
    public ServerBinaryLocator(string? configuredServerPath, string? pathVariable, IReadOnlyList<string> candidateFolders, bool windows)
    {
        _configuredServerPath = string.IsNullOrWhiteSpace(configuredServerPath) ? null : configuredServerPath;
        _pathDirectories = (pathVariable ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _candidateFolders = candidateFolders;
        _windows = windows;
    }

    public static ServerBinaryLocator ForCurrentMachine(LocalSettings settings) =>
        new(settings.ServerPath, Environment.GetEnvironmentVariable("PATH"), DefaultCandidateFolders(), OperatingSystem.IsWindows());

    /// <summary>Where MariaDB and MySQL land when installed by apt/dnf, Homebrew, the official tarballs or the MSI.</summary>
    public static IReadOnlyList<string> DefaultCandidateFolders()
    {
        if (OperatingSystem.IsWindows())
        {
            var folders = new List<string>();
            foreach (var programFiles in new[] { Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), Environment.GetFolderPath(Environment.SpecialFolder.ProgramFilesX86) }.Where(p => p.Length > 0).Distinct())
            {
                folders.AddRange(ExpandVersioned(programFiles, "MariaDB *"));
                folders.AddRange(ExpandVersioned(Path.Combine(programFiles, "MySQL"), "MySQL Server *"));
            }

            return folders;
        }

        return
        [
            "/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/bin", "/usr/local/bin",
            "/opt/homebrew/bin", "/opt/homebrew/opt/mariadb/bin", "/usr/local/opt/mariadb/bin", "/usr/local/mysql/bin",
        ];
    }

    // Newest version first, so a machine with several installs uses the latest.
    private static IEnumerable<string> ExpandVersioned(string parent, string pattern)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }

        return Directory.GetDirectories(parent, pattern)
            .OrderByDescending(d => d, StringComparer.OrdinalIgnoreCase)
            .Select(d => Path.Combine(d, "bin"));
    }

    public ServerBinaries Locate()
    {
        var server = _configuredServerPath is not null ? LocateConfigured(_configuredServerPath) : Search();
        return Describe(server);
    }

    private string LocateConfigured(string configured)
    {
        var full = Path.GetFullPath(configured);
        if (Directory.Exists(full))
        {
            foreach (var name in ServerNames)
            {
                var candidate = Path.Combine(full, Executable(name));
                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }
        else if (IsExecutable(full))
        {
            return full;
        }

        throw new BranchTasksException(
            ErrorCodes.ServerBinariesNotFound,
            $"The server binary configured in branchtasks.json (local.serverPath) was not found: {full}. " +
            "Point local.serverPath at mariadbd or mysqld (or the folder holding it), or remove the key to search PATH and the usual install folders.");
    }

    private string Search()
    {
        var folders = SearchFolders();
        foreach (var name in ServerNames)
        {
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, Executable(name));
                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }

        var searched = folders.Count == 0 ? "(nothing: PATH is empty and no install folders were given)" : string.Join(", ", folders);
        throw new BranchTasksException(
            ErrorCodes.ServerBinariesNotFound,
            "The local provider needs MariaDB (or MySQL) server binaries, and none were found: no mariadbd or mysqld in PATH or in " +
            $"the usual install folders. Searched: {searched}. Install MariaDB with `sudo apt install mariadb-server` (Debian/Ubuntu), " +
            "`brew install mariadb` (macOS) or the MariaDB MSI from https://mariadb.org/download (Windows), " +
            "or set \"local\": { \"serverPath\": \"/path/to/mariadbd\" } (local.serverPath) in branchtasks.json.");
    }

    private List<string> SearchFolders() =>
        _pathDirectories.Concat(_candidateFolders).Distinct(_windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal).ToList();

    private ServerBinaries Describe(string serverPath)
    {
        var binDirectory = Path.GetDirectoryName(serverPath)!;
        var baseDirectory = Path.GetDirectoryName(binDirectory) ?? binDirectory;
        var flavor = DetectFlavor(serverPath);
        if (flavor == ServerFlavor.MySql)
        {
            return new ServerBinaries(serverPath, flavor, null, baseDirectory);
        }

        var tool = FindInstallTool(binDirectory, baseDirectory) ?? throw new BranchTasksException(
            ErrorCodes.ServerBinariesNotFound,
            $"Found the MariaDB server {serverPath} but not its install tool (mariadb-install-db or mysql_install_db) next to it, " +
            $"in {Path.Combine(baseDirectory, "bin")}, {Path.Combine(baseDirectory, "scripts")} or PATH. " +
            "Install the complete server package (`sudo apt install mariadb-server`, `brew install mariadb`), " +
            "or point local.serverPath in branchtasks.json at a complete installation.");
        return new ServerBinaries(serverPath, flavor, tool, baseDirectory);
    }

    private string? FindInstallTool(string binDirectory, string baseDirectory)
    {
        string[] folders = [binDirectory, Path.Combine(baseDirectory, "bin"), Path.Combine(baseDirectory, "scripts"), .. _pathDirectories];
        foreach (var name in InstallToolNames)
        {
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, Executable(name));
                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    // Distributions ship `mysqld` as a link to (or copy of) mariadbd, so the name alone does not decide.
    private static ServerFlavor DetectFlavor(string serverPath)
    {
        var name = Path.GetFileNameWithoutExtension(serverPath);
        if (name.Equals("mariadbd", StringComparison.OrdinalIgnoreCase))
        {
            return ServerFlavor.MariaDb;
        }

        try
        {
            var target = new FileInfo(serverPath).ResolveLinkTarget(returnFinalTarget: true);
            if (target is not null && Path.GetFileNameWithoutExtension(target.Name).Equals("mariadbd", StringComparison.OrdinalIgnoreCase))
            {
                return ServerFlavor.MariaDb;
            }
        }
        catch (IOException)
        {
            // An unreadable link is decided by asking the binary below.
        }

        return VersionSaysMariaDb(serverPath) ? ServerFlavor.MariaDb : ServerFlavor.MySql;
    }

    private static bool VersionSaysMariaDb(string serverPath)
    {
        try
        {
            // Locate is synchronous (doctor, tests) and runs once per server start: blocking here costs one thread for a moment.
            var result = ChildProcess.RunAsync(new ProcessCommand(serverPath, ["--version"]), new ChildProcessOptions { Timeout = VersionTimeout }, CancellationToken.None)
                .GetAwaiter().GetResult();
            return (result.StandardOutput + result.StandardError).Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private string Executable(string name) => _windows ? name + ".exe" : name;

    private bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (_windows || OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
