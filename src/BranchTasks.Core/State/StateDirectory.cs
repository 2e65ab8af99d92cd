namespace BranchTasks.Core.State;

/// <summary>
/// The one per-user directory that holds all BranchTasks state (daemon socket and log, the private
/// server's data and credentials). <c>BRANCHTASKS_HOME</c> overrides it so tests and CI stay isolated.
/// This part is compiled into the MSBuild task and the configuration package too; creating and checking the
/// folder lives in StateDirectory.Private.cs, in Core only.
/// </summary>
public sealed partial class StateDirectory
{
    public const string HomeVariable = "BRANCHTASKS_HOME";

    public StateDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The state directory of the current user, honouring <c>BRANCHTASKS_HOME</c>.</summary>
    public static StateDirectory ForCurrentUser() => new(ResolveRoot(Environment.GetEnvironmentVariable(HomeVariable)));

    internal static string ResolveRoot(string? overrideValue)
    {
        if (!string.IsNullOrWhiteSpace(overrideValue))
        {
            return overrideValue;
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BranchTasks");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Application Support", "BranchTasks");
        }

        var xdgState = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdgState) ? Path.Combine(home, ".local", "state") : xdgState, "branchtasks");
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);
}
