using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Daemon;

/// <summary>The daemon's answer to one <see cref="DaemonRequest"/>: a single JSON line.</summary>
public sealed class DaemonResponse
{
    public bool Ok { get; set; }
    public DaemonError? Error { get; set; }
    public EnsureResult? Ensure { get; set; }
    public DaemonStatus? Status { get; set; }
    public List<BranchInfo>? Branches { get; set; }
    public BranchInfo? BranchInfo { get; set; }

    /// <summary>
    /// Set on the interim lines the daemon streams before its answer during long waits (a PlanetScale branch
    /// becoming ready): the caller shows them and keeps reading.
    /// </summary>
    public string? Progress { get; set; }

    /// <summary>Free text for ops that only report (down, server stop).</summary>
    public string? Message { get; set; }

    /// <summary>Op-specific structured answer (branch diff), as JSON.</summary>
    public System.Text.Json.JsonElement? Data { get; set; }

    public static DaemonResponse Failure(string code, string message) =>
        new() { Ok = false, Error = new DaemonError { Code = code, Message = message } };
}

public sealed class DaemonError
{
    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
}
