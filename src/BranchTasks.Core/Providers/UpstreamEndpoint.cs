namespace BranchTasks.Core.Providers;

/// <summary>Where the tunnel connects for one branch, and with which credentials (held by the daemon only).</summary>
public sealed record UpstreamEndpoint(string Host, int Port, string User, string? Password, string Database);
