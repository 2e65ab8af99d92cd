using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>The caller's context every workspace operation needs: its folder, config, branch override and credentials.</summary>
internal sealed record WorkspaceRequest(
    string Directory,
    string? ConfigFile,
    string? ConnectionName,
    string? BranchOverride,
    IReadOnlyDictionary<string, string>? Credentials,
    string? UserSecretsId)
{
    public static WorkspaceRequest Read(DaemonRequest envelope) =>
        string.IsNullOrWhiteSpace(envelope.Directory)
            ? throw new BranchTasksException(ErrorCodes.InvalidArgument, "The request names no directory.")
            : new(envelope.Directory, envelope.ConfigFile, envelope.ConnectionName, envelope.BranchOverride, envelope.Credentials, envelope.UserSecretsId);

    public Workspace Open()
    {
        var workspace = Workspace.Open(Directory, ConfigFile, BranchOverride, ConnectionName);
        return workspace.WithCredentials(new ProviderCredentials(Credentials, Workspace.UserSecretsIdFor(workspace.Config, UserSecretsId)));
    }

    public static string RequireName(DaemonRequest envelope) =>
        string.IsNullOrWhiteSpace(envelope.Name) ? throw new BranchTasksException(ErrorCodes.InvalidArgument, "A branch name is required.") : envelope.Name;
}
