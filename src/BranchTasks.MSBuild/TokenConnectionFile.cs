using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.State;

namespace BranchTasks.MSBuild;

/// <summary>
/// In <c>"localAuth": "token"</c> mode the connection string carries the tunnel's password, which must never
/// reach a process's arguments (readable by every user in <c>ps</c>) nor MSBuild's logs. It goes to a file only
/// the user can read, from which the launcher (build/BranchTasks.launch.sh, or <c>branchtasks launch</c>) puts
/// it into the app's environment.
/// </summary>
public static class TokenConnectionFile
{
    /// <summary>The folder of the state directory that holds these files.</summary>
    public const string Folder = "run";

    private static readonly string[] PasswordKeys = ["password", "pwd"];

    /// <summary>True when the connection string carries a password (the tunnel is in token mode).</summary>
    public static bool HasPassword(string connectionString)
    {
        // Every password key contains one of these words: without them the string has none, and the parser (which
        // loads System.Data.Common into every `dotnet run` for a few milliseconds) is not needed.
        if (!PasswordKeys.Any(key => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return PasswordKeys.Any(builder.ContainsKey);
    }

    /// <summary>The connection string without its password: safe for logs, binlogs and your own targets.</summary>
    public static string WithoutPassword(string connectionString)
    {
        // Keep the daemon's spelling of the keys when the string is simple (no quoted values); else let the
        // builder re-render it, which is equally valid but lower-cases the keys.
        if (!connectionString.Contains('"') && !connectionString.Contains('\''))
        {
            var kept = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Where(part => !PasswordKeys.Contains(part.Split('=', 2)[0].Trim(), StringComparer.OrdinalIgnoreCase));
            return string.Join(";", kept);
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (var key in PasswordKeys)
        {
            builder.Remove(key);
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Writes <paramref name="connectionString"/> (with its password) to a 0600 file named after the tunnel, rewritten
    /// on every ensure so it always holds the tunnel's current token; returns the file's path (not a secret).
    /// </summary>
    public static string Write(StateDirectory state, string connectionString)
    {
        var folder = state.EnsureDirectory(Folder);
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(WithoutPassword(connectionString))))[..16];
        var path = Path.Combine(folder, "connection-" + name + ".txt");
        StateDirectory.WritePrivateFile(path, connectionString + "\n");
        return path;
    }
}
