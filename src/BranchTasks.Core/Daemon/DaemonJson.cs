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
        // Generated metadata only, never reflection: reflection-based serialization costs a cold process (the
        // MSBuild task in `dotnet run`) tens of milliseconds, and the native (NativeAOT) tool has none. Core and
        // the tool add their own types' contexts to a copy of these options (CoreJson, ToolJson).
        TypeInfoResolver = DaemonJsonContext.Default,
    };

    /// <summary>The generated metadata of <typeparamref name="T"/> under <paramref name="options"/> (which must know the type).</summary>
    public static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}

[JsonSerializable(typeof(DaemonRequest))]
[JsonSerializable(typeof(DaemonResponse))]
[JsonSerializable(typeof(DaemonError))]
[JsonSerializable(typeof(EnsureResult))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext
{
}
