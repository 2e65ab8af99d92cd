using System.Text.Json;
using System.Text.Json.Serialization;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.PlanetScale;
using BranchTasks.Core.State;

namespace BranchTasks.Core;

/// <summary>
/// Generated JSON metadata for everything Core writes or reads besides the protocol (<see cref="Daemon.DaemonJson"/>):
/// the native tool has no reflection-based serializer. One instance per set of settings, so each file keeps its format.
/// </summary>
internal static class CoreJson
{
    /// <summary>Printed like the protocol (web names, nulls left out).</summary>
    public static readonly CoreJsonContext Protocol = new(Daemon.DaemonJson.NewOptions());

    /// <summary>Web names, indented, nulls written.</summary>
    public static readonly CoreJsonContext Indented = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    /// <summary>The serializer's defaults (the port, token and account files).</summary>
    public static readonly CoreJsonContext Plain = new(new JsonSerializerOptions());

    /// <summary>PlanetScale's API: snake_case.</summary>
    public static readonly CoreJsonContext PlanetScale = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
}

[JsonSerializable(typeof(SchemaDiff))]
[JsonSerializable(typeof(EphemeralRecord))]
[JsonSerializable(typeof(LocalServerState))]
[JsonSerializable(typeof(LocalServerCredentials))]
[JsonSerializable(typeof(List<PlanetScaleBranchRecord>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(PlanetScaleBranch))]
[JsonSerializable(typeof(PlanetScalePassword))]
[JsonSerializable(typeof(PlanetScaleList<PlanetScaleBranch>))]
[JsonSerializable(typeof(PlanetScaleList<PlanetScalePassword>))]
[JsonSerializable(typeof(PlanetScaleError))]
[JsonSerializable(typeof(CreateBranchBody))]
[JsonSerializable(typeof(CreatePasswordBody))]
[JsonSerializable(typeof(object))]
internal sealed partial class CoreJsonContext : JsonSerializerContext
{
}
