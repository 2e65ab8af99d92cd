namespace BranchTasks.Core.Errors;

/// <summary>
/// Stable error codes. They appear in MSBuild output and in `--json` errors, so never renumber one.
/// </summary>
public static class ErrorCodes
{
    // 0xxx: general
    public const string Unexpected = "BT0001";
    public const string InvalidArgument = "BT0002";

    // 01xx: git
    public const string NotAGitRepository = "BT0101";
    public const string GitRepositoryUnreadable = "BT0102";

    /// <summary>A warning: the git branch used is not HEAD's (detached HEAD fallback, BRANCHTASKS_BRANCH).</summary>
    public const string BranchNotFromHead = "BT0103";

    // 02xx: configuration
    public const string ConfigNotFound = "BT0201";
    public const string ConfigSyntax = "BT0202";
    public const string ConfigUnknownKey = "BT0203";
    public const string ConfigWrongType = "BT0204";
    public const string ConfigBadValue = "BT0205";
    public const string ConfigMissingKey = "BT0206";
    public const string UnknownProvider = "BT0207";
    public const string ConfigDuplicateKey = "BT0208";
    public const string ConfigUnreadable = "BT0209";
    /// <summary>Retired: every provider is available. Kept so the number is never reused.</summary>
    public const string ProviderNotAvailable = "BT0210";

    // 03xx: branch mapping and branch operations
    public const string BranchNameCollision = "BT0301";
    public const string BranchProtected = "BT0302";
    public const string BranchNotFound = "BT0303";
    public const string BranchNotOwned = "BT0304";
    public const string BranchAutoCreateDisabled = "BT0305";
    public const string BranchCreateFailed = "BT0306";
    public const string BranchExists = "BT0307";
    public const string InvalidBranchName = "BT0308";
    /// <summary>A cloned view, routine, trigger or event could not keep its definer, and no stand-in was allowed.</summary>
    public const string CloneDefinerNotKept = "BT0309";
    /// <summary>`branch delete` of the current git branch's database branch or of the root branch, without --force.</summary>
    public const string BranchDeleteNeedsForce = "BT0310";
    /// <summary>The configured <c>database</c> already holds branches of another repository (another root commit).</summary>
    public const string DatabaseOfOtherRepository = "BT0311";
    /// <summary>A shared server's database prefix already belongs to another login.</summary>
    public const string DatabasePrefixTaken = "BT0312";

    // 04xx: local server
    public const string ServerBinariesNotFound = "BT0401";
    public const string ServerInitFailed = "BT0402";
    public const string ServerStartFailed = "BT0403";
    public const string PortInUse = "BT0404";
    /// <summary>local.port differs from the port of the private server that is running (and shared by other repositories).</summary>
    public const string ServerPortMismatch = "BT0405";

    // 05xx: daemon and tunnel
    public const string DaemonUnavailable = "BT0501";
    public const string TunnelFailed = "BT0502";
    public const string StateDirectoryNotPrivate = "BT0503";

    /// <summary>In a MySQL error packet: a connection from another OS user (or one the platform cannot identify) was refused.</summary>
    public const string TunnelPeerRefused = "BT0505";

    /// <summary>In a MySQL error packet: the tunnel holds its maximum number of connections.</summary>
    public const string TunnelConnectionLimit = "BT0506";

    /// <summary>The token-mode launcher found no connection string file (printed by build/BranchTasks.launch.sh and `branchtasks launch`).</summary>
    public const string LaunchConnectionFileMissing = "BT0507";

    // 07xx: remote providers (mysql, planetscale)
    public const string ProviderCredentialsMissing = "BT0701";
    public const string ProviderLoginFailed = "BT0702";
    public const string ProviderNotFound = "BT0703";
    public const string ProviderRejected = "BT0704";
    public const string ProviderUnavailable = "BT0705";
    public const string BranchNotReady = "BT0706";
    public const string ProductionBranch = "BT0707";

    /// <summary>The mysql credentials are bound to another server than branchtasks.json names, or to none.</summary>
    public const string CredentialsBoundElsewhere = "BT0708";

    /// <summary>A PlanetScale API address from the repository, or not https off loopback.</summary>
    public const string ApiAddressNotAllowed = "BT0709";

    /// <summary>The upstream asked for the password over a channel whose server is not verified.</summary>
    public const string UnverifiedPasswordRequest = "BT0710";

    // 06xx: git hooks and confirmations
    public const string HookConflict = "BT0601";
    public const string ConfirmationRequired = "BT0602";

    /// <summary>A throw-away branch to delete that this tool has no record of making (so it is left alone).</summary>
    public const string EphemeralBranchUnknown = "BT0603";

    /// <summary>git cannot be started (not installed, not on the PATH).</summary>
    public const string GitNotFound = "BT0604";

    /// <summary>Neither the mariadb nor the mysql command-line client is installed (`branchtasks shell`).</summary>
    public const string SqlClientNotFound = "BT0605";

    /// <summary>A throw-away branch could not be deleted after its run; `branch prune --yes` removes it later.</summary>
    public const string EphemeralCleanupFailed = "BT0606";

    // 08xx: app integration (AddBranchTasks() in the app: IDE F5, Test Explorer, dotnet test, dotnet ef)

    /// <summary>No daemon answers and no BranchTasks tool was found to start one.</summary>
    public const string AppToolNotFound = "BT0801";

    /// <summary>The first ensure did not finish within RequestTimeout.</summary>
    public const string AppEnsureTimeout = "BT0802";

    /// <summary>The tool to start is writable by, or owned by, another user; it is not run.</summary>
    public const string AppToolNotTrusted = "BT0803";
}
