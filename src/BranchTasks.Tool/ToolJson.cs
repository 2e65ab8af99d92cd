using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Tool.Commands;

namespace BranchTasks.Tool;

/// <summary>
/// The `--json` output: <see cref="DaemonJson.Options"/> indented, with generated metadata for every shape the tool
/// prints (no reflection, so the native tool prints exactly what the managed one does). Each shape is a named type
/// whose properties are the README's keys, in the README's order. Every type handed to CommandContext.WriteJson must be
/// listed in ToolJsonContext (a missing one fails at run time; ToolJsonTests checks each).
/// </summary>
internal static class ToolJson
{
    public static readonly JsonSerializerOptions Indented = new(DaemonJson.Options)
    {
        WriteIndented = true,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CoreJson.Resolver, ToolJsonContext.Default),
    };
}

internal sealed record ErrorOutput(ErrorOutputBody Error);

internal sealed record ErrorOutputBody(string Code, string Message);

internal sealed record PruneOutput(bool Deleted, List<BranchInfo> Branches);

internal sealed record DeleteOutput(string? Deleted, string? Message);

internal sealed record DoctorOutput(bool Ok, string Version, IReadOnlyList<DoctorCommand.Check> Checks);

internal sealed record StatusStoppedOutput(bool Running, IReadOnlyList<TunnelStatus> Tunnels);

internal sealed record StatusOutput(bool Running, int ProcessId, DateTimeOffset StartedAt, string? Version, List<TunnelStatus> Tunnels);

[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(PruneOutput))]
[JsonSerializable(typeof(DeleteOutput))]
[JsonSerializable(typeof(DoctorOutput))]
[JsonSerializable(typeof(StatusStoppedOutput))]
[JsonSerializable(typeof(StatusOutput))]
[JsonSerializable(typeof(EnsureResult))]
[JsonSerializable(typeof(BranchInfo))]
[JsonSerializable(typeof(List<BranchInfo>))]
[JsonSerializable(typeof(List<BranchCommand.ListedBranch>))]
[JsonSerializable(typeof(SchemaDiff))]
internal sealed partial class ToolJsonContext : JsonSerializerContext
{
}
