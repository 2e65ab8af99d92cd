using System.Text.Json;
using System.Text.Json.Serialization;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Tool.Commands;

namespace BranchTasks.Tool;

/// <summary>
/// What `--json` prints, with generated metadata (the native tool has no reflection-based serializer), printed like
/// the daemon protocol (<see cref="DaemonJson.NewOptions"/>), indented.
/// </summary>
internal static class CliJson
{
    public static readonly CliJsonContext Context = new(Indented());

    private static JsonSerializerOptions Indented()
    {
        var options = DaemonJson.NewOptions();
        options.WriteIndented = true;
        return options;
    }
}

internal sealed record ErrorOutput(DaemonError Error);

internal sealed record StatusOutput(bool Running, int? ProcessId, DateTimeOffset? StartedAt, string? Version, IReadOnlyList<TunnelStatus> Tunnels);

internal sealed record PruneOutput(bool Deleted, IReadOnlyList<BranchInfo> Branches);

internal sealed record DeletedOutput(string? Deleted, string? Message);

internal sealed record DoctorOutput(bool Ok, string Version, IReadOnlyList<DoctorCommand.Check> Checks);

[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(StatusOutput))]
[JsonSerializable(typeof(PruneOutput))]
[JsonSerializable(typeof(DeletedOutput))]
[JsonSerializable(typeof(DoctorOutput))]
[JsonSerializable(typeof(EnsureResult))]
[JsonSerializable(typeof(BranchInfo))]
[JsonSerializable(typeof(List<BranchCommand.ListedBranch>))]
[JsonSerializable(typeof(SchemaDiff))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
