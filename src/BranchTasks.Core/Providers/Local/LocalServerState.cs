using System.Text.Json;
using System.Text.Json.Serialization;
using BranchTasks.Core.Platform;

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
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The state, or null when missing or damaged: treated as "nothing running", and the next start rewrites it.</summary>
    public static LocalServerState? TryRead(string path) => new PrivateJsonFile<LocalServerState>(path, Options).Read();

    public void Write(string path) => new PrivateJsonFile<LocalServerState>(path, Options).Write(this);
}
