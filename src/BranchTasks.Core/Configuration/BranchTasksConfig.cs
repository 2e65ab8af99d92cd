namespace BranchTasks.Core.Configuration;

/// <summary>A validated <c>branchtasks.json</c>. Defaults are the documented ones (README, schema).</summary>
public sealed record BranchTasksConfig
{
    /// <summary>Full path of the file this was read from.</summary>
    public required string FilePath { get; init; }

    /// <summary>SHA-256 of the file's bytes as read (empty when not read from a file): tells a changed file from an unchanged one.</summary>
    public string ContentHash { get; init; } = "";

    public string Provider { get; init; } = "local";

    /// <summary>The project's database name (the physical names of its branches start with it).</summary>
    public required string Database { get; init; }

    public string ConnectionName { get; init; } = "Default";

    /// <summary>The git branch whose database branch new branches are cloned from.</summary>
    public string Parent { get; init; } = "main";

    public bool CopyData { get; init; } = true;

    public bool AutoCreate { get; init; } = true;

    /// <summary>Database branch names the tool never creates, deletes or resets.</summary>
    public IReadOnlyList<string> Protected { get; init; } = [];

    /// <summary>Git branch globs to database branch names, first match wins, in file order.</summary>
    public IReadOnlyList<MapRule> Map { get; init; } = [];

    /// <summary>How apps log in to the tunnel: "none" (no password, the default) or "token" (a random per-tunnel password).</summary>
    public string LocalAuth { get; init; } = "none";

    public LocalSettings Local { get; init; } = new();

    /// <summary>Settings of the <c>mysql</c> provider; null when absent (required when it is the provider).</summary>
    public MySqlSettings? Mysql { get; init; }

    /// <summary>Settings of the <c>planetscale</c> provider; null when absent (required when it is the provider).</summary>
    public PlanetScaleSettings? PlanetScale { get; init; }

    /// <summary>What every physical database name of this configuration starts with, before the project name.</summary>
    public string DatabasePrefix => Provider == "mysql" ? Mysql?.DatabasePrefix ?? "" : "";
}
