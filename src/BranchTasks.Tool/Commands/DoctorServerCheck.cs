using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.Local;

namespace BranchTasks.Tool.Commands;

/// <summary>
/// `doctor`'s check of the local provider's server binaries, with the fix for the actual cause: a wrong
/// <c>local.serverPath</c> is fixed in branchtasks.json, not by installing MariaDB again.
/// </summary>
public static class DoctorServerCheck
{
    public static DoctorCommand.Check Run(BranchTasksConfig? config)
    {
        const string Name = "server binaries";
        var settings = config?.Local ?? new LocalSettings();
        try
        {
            var binaries = ServerBinaryLocator.ForCurrentMachine(settings).Locate();
            return new DoctorCommand.Check(Name, true, $"{binaries.Flavor} server at {binaries.ServerPath}", null);
        }
        catch (BranchTasksException e)
        {
            return new DoctorCommand.Check(Name, false, $"{e.Code}: {e.Message}", FixFor(config, settings));
        }
    }

    private static string FixFor(BranchTasksConfig? config, LocalSettings settings)
    {
        const string Install = "`sudo apt install mariadb-server` (Debian/Ubuntu), `brew install mariadb` (macOS) or the MariaDB MSI (Windows)";
        if (settings.ServerPath is not { Length: > 0 } configured)
        {
            return $"Install MariaDB: {Install}; or set \"local\": {{ \"serverPath\": \"/path/to/mariadbd\" }} in branchtasks.json if it is installed elsewhere.";
        }

        var file = config?.FilePath ?? "branchtasks.json";
        var full = Path.GetFullPath(configured);
        if (NamesServer(full))
        {
            // The binary is there; what is missing is the rest of its installation (mariadb-install-db).
            return $"{full} (local.serverPath in {file}) is a server binary, but its installation is incomplete: install the complete server package ({Install}), or point local.serverPath at a complete installation.";
        }

        string found;
        try
        {
            found = $" A server was found at {ServerBinaryLocator.ForCurrentMachine(new LocalSettings()).Locate().ServerPath}: use that path, or remove the key to let BranchTasks search.";
        }
        catch (BranchTasksException)
        {
            found = $" No server was found in PATH or the usual install folders either; if none is installed: {Install}.";
        }

        return $"local.serverPath in {file} is wrong: {full} is no mariadbd or mysqld (nor a folder holding one). Correct the path (`command -v mariadbd` shows where it is), or remove the key to search PATH and the usual install folders.{found}";
    }

    private static bool NamesServer(string path)
    {
        string[] names = ["mariadbd", "mysqld", "mariadbd.exe", "mysqld.exe"];
        return File.Exists(path)
            ? names.Contains(Path.GetFileName(path), StringComparer.OrdinalIgnoreCase)
            : Directory.Exists(path) && names.Any(name => File.Exists(Path.Combine(path, name)));
    }
}
