using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.PlanetScale;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The JSON metadata of every type Core (de)serialises, generated at compile time (no reflection: the native tool
/// has none). <see cref="Options"/> is <see cref="DaemonJson.Options"/> with Core's types added; the state files
/// keep their own options (naming, indentation) with <see cref="Resolver"/> as their resolver.
/// </summary>
public static class CoreJson
{
    /// <summary>The protocol's types and Core's.</summary>
    public static readonly IJsonTypeInfoResolver Resolver = JsonTypeInfoResolver.Combine(DaemonJsonContext.Default, CoreJsonContext.Default);

    public static readonly JsonSerializerOptions Options = new(DaemonJson.Options) { TypeInfoResolver = Resolver };

    /// <summary>System.Text.Json's defaults (PascalCase names), with Core's generated metadata.</summary>
    public static readonly JsonSerializerOptions Plain = new() { TypeInfoResolver = Resolver };
}

[JsonSerializable(typeof(SchemaDiff))]
[JsonSerializable(typeof(EphemeralRecord))]
[JsonSerializable(typeof(LocalServerState))]
[JsonSerializable(typeof(LocalServerCredentials))]
[JsonSerializable(typeof(List<PlanetScaleBranchRecord>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(object))]
internal sealed partial class CoreJsonContext : JsonSerializerContext
{
}
