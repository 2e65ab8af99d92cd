using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon;

/// <summary>One JSON shape for the wire protocol and for `--json` output, so the two never drift.</summary>
public static class DaemonJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = DaemonWire.Encoder,
        // Protocol types use generated metadata: reflection-based serialization costs a cold process
        // (the MSBuild task in `dotnet run`) tens of milliseconds. Other types (CLI output) fall back to reflection.
        TypeInfoResolver = JsonTypeInfoResolver.Combine(DaemonJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };
}

[JsonSerializable(typeof(DaemonRequest))]
[JsonSerializable(typeof(DaemonResponse))]
[JsonSerializable(typeof(DaemonError))]
[JsonSerializable(typeof(EnsureResult))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext
{
}
