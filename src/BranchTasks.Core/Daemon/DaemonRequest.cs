namespace BranchTasks.Core.Daemon;

/// <summary>
/// One request to the per-user daemon: a single JSON line. The caller's context travels with it,
/// because the daemon's own working directory and environment are not the caller's.
/// </summary>
public sealed class DaemonRequest
{
    public string Op { get; set; } = "";

    /// <summary>The folder the caller acts for (the project folder, or the shell's current folder).</summary>
    public string? Directory { get; set; }

    /// <summary>An explicit branchtasks.json (MSBuild property BranchTasksConfigFile, or --config).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Overrides connectionName (MSBuild property BranchTasksConnectionName).</summary>
    public string? ConnectionName { get; set; }

    /// <summary>The caller's BRANCHTASKS_BRANCH, if set.</summary>
    public string? BranchOverride { get; set; }

    /// <summary>
    /// The caller's provider credential variables (<see cref="Providers.CredentialEnvironment"/>): the daemon's own
    /// environment is whatever the first caller had. Travels only over the per-user pipe.
    /// </summary>
    public Dictionary<string, string>? Credentials { get; set; }

    /// <summary>The calling project's UserSecretsId (MSBuild), for provider credentials kept in user secrets.</summary>
    public string? UserSecretsId { get; set; }

    /// <summary>Op-specific: a branch name (branch create/delete).</summary>
    public string? Name { get; set; }

    /// <summary>Op-specific: the branch to clone from (branch create).</summary>
    public string? From { get; set; }

    /// <summary>Op-specific: copy rows too (branch create); null means the configured copyData.</summary>
    public bool? CopyData { get; set; }

    /// <summary>Op-specific: act on everything (down --all).</summary>
    public bool All { get; set; }

    /// <summary>Op-specific: the user confirmed a destructive op (branch prune --yes).</summary>
    public bool Confirmed { get; set; }

    /// <summary>Op-specific: also act on a branch the policy guards unless forced (branch delete of the current or root branch).</summary>
    public bool Force { get; set; }

    /// <summary>Op-specific: the process a throw-away branch belongs to (ephemeral-create); when it is gone, `branch prune` deletes the branch.</summary>
    public int? OwnerProcessId { get; set; }
}
