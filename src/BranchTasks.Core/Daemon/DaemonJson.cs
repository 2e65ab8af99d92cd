using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon;

/// <summary>One JSON shape for the wire protocol and for `--json` output, so the two never drift.</summary>
public static class DaemonJson
{
    /// <summary>
    /// The protocol types' generated metadata, bound to <see cref="NewOptions"/>. Generated, never reflection: the
    /// native (NativeAOT) tool has no reflection-based serializer, and in a cold process (the MSBuild task in
    /// `dotnet run`) reflection costs tens of milliseconds.
    /// </summary>
    internal static readonly DaemonJsonContext Context = new(NewOptions());

    public static JsonSerializerOptions Options => Context.Options;

    /// <summary>A fresh (mutable) copy of the protocol's settings, for a context of other types that must print alike.</summary>
    public static JsonSerializerOptions NewOptions() => new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Branch names are often not ASCII; print them as they are. Nothing here ends up in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

[JsonSerializable(typeof(DaemonRequest))]
[JsonSerializable(typeof(DaemonResponse))]
[JsonSerializable(typeof(DaemonError))]
[JsonSerializable(typeof(EnsureResult))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext
{
}
