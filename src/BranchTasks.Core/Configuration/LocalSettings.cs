namespace BranchTasks.Core.Configuration;

/// <summary>Settings of the <c>local</c> provider (the <c>"local"</c> object in branchtasks.json).</summary>
public sealed class LocalSettings
{
    /// <summary>Full path of <c>mariadbd</c>/<c>mysqld</c>; null to search PATH and the usual install folders.</summary>
    public string? ServerPath { get; init; }

    /// <summary>A fixed loopback port for the private server; null to pick a free one (and keep it).</summary>
    public int? Port { get; init; }
}
