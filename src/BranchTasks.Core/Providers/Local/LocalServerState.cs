using System.Text.Json;

namespace BranchTasks.Core.Providers.Local;

/// <summary>The contents of <c>local/server.json</c>: what was started last, and whether it may still run.</summary>
/// <param name="ProcessId">The server's pid, or null once it was stopped.</param>
/// <param name="Provisioned">Whether the BranchTasks accounts exist in the data directory.</param>
public sealed record LocalServerState(
    int? ProcessId,
    int Port,
    string? ServerVersion,
    string DataDirectory,
    string? ServerPath,
    bool Provisioned)
{
    public static LocalServerState? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), CoreJson.Indented.LocalServerState);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // Missing or corrupt: treated as "nothing running", and the next start rewrites it.
            return null;
        }
    }

    public void Write(string path) => State.StateDirectory.WritePrivateFile(path, JsonSerializer.Serialize(this, CoreJson.Indented.LocalServerState));
}
