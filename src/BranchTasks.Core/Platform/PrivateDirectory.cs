using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Folders only the current user may enter: the state directory (socket, credentials, the server's data) and the
/// fallback folder of the Unix sockets. Checked for owner and mode because whoever can enter them can reach the
/// daemon or read the credentials; a folder BranchTasks made itself is put back to 0700 when found loosened, any
/// other is the user's to fix (BT0503).
/// </summary>
/// <remarks>
/// Windows is not checked: the state directory lives in %LOCALAPPDATA%, whose ACLs admit the user alone, and the
/// daemon's named pipe is created with PipeOptions.CurrentUserOnly.
/// </remarks>
public static class PrivateDirectory
{
    /// <summary>Left in a folder BranchTasks created, so that loosened permissions on it may be repaired rather than refused.</summary>
    public const string MarkerName = ".made-by-branchtasks";

    private const string StateDirectoryName = "The BranchTasks state directory";
    private const string SocketFolderName = "The folder of BranchTasks' socket";
    private static readonly string StateAlternative = $"set {State.StateDirectory.HomeVariable} to a folder of your own (mode 700)";
    private static readonly string SocketAlternative =
        $"set {UnixSocketPath.RuntimeDirectoryVariable} to a folder of your own (mode 700), or {State.StateDirectory.HomeVariable} to a shorter path so that the socket fits in it";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates <paramref name="path"/> (0700, marked as ours) when missing, then verifies it. Returns a line to log
    /// when loosened permissions were put back, else null. Throws BT0503 when the folder is not private and not ours
    /// to fix, or belongs to another user.
    /// </summary>
    public static string? Ensure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return null;
        }

        if (UnixInterop.Status(path) is null)
        {
            Directory.CreateDirectory(path, OwnerOnly);
            PrivateFile.Write(Path.Combine(path, MarkerName), "BranchTasks created this folder; it keeps it private (mode 700).\n");
        }

        return Verify(path, UnixInterop.Status(path), StateDirectoryName, StateAlternative);
    }

    /// <summary>
    /// Makes sure the folder of a Unix socket outside the state directory (XDG_RUNTIME_DIR, or the per-user folder
    /// in the temp folder) is the user's alone, creating it when missing. Stricter than the state directory: it may
    /// not be a symlink, since the temp folder is shared.
    /// </summary>
    public static void EnsureSocketFolder(string socketPath, string stateRoot)
    {
        var folder = Path.GetDirectoryName(socketPath)!;
        if (OperatingSystem.IsWindows() || IsInside(folder, stateRoot))
        {
            return;
        }

        if (UnixInterop.LinkStatus(folder) is null)
        {
            // Only the last part is new (the temp folder exists); mkdir fails rather than follow anything planted.
            Directory.CreateDirectory(folder, OwnerOnly);
        }

        var status = UnixInterop.LinkStatus(folder);
        if (status is { Kind: UnixFileKind.Symlink })
        {
            throw NotPrivate(SocketFolderName, folder, "is a symbolic link, which someone else may have planted", $"Remove it, or {SocketAlternative}");
        }

        Verify(folder, status, SocketFolderName, SocketAlternative, repairable: false);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string? Verify(string path, UnixFileStatus? status, string what, string alternative, bool repairable = true)
    {
        var me = UnixInterop.EffectiveUserId();
        if (status is not { } found)
        {
            throw NotPrivate(what, path, "could not be created", $"Check its parent folder's permissions, or {alternative}");
        }

        if (found.Kind != UnixFileKind.Directory)
        {
            throw NotPrivate(what, path, "is not a folder", $"Remove it, or {alternative}");
        }

        if (found.Owner != me)
        {
            throw NotPrivate(what, path, $"belongs to user id {found.Owner}, not to you (user id {me}), so that user controls what is in it", $"Use another folder: {alternative}");
        }

        if (!found.OpenToOthers)
        {
            return null;
        }

        var mode = Octal(found.Permissions);
        if (repairable && MadeByUs(path, me))
        {
            File.SetUnixFileMode(path, OwnerOnly);
            return $"{path} had mode {mode}; set back to 700 (BranchTasks created it, and other users must not enter it)";
        }

        throw NotPrivate(what, path, $"has mode {mode}: other users can enter it and reach the daemon or read credentials", $"Run `chmod 700 {path}`, or {alternative}");
    }

    private static bool MadeByUs(string path, uint me) =>
        UnixInterop.LinkStatus(Path.Combine(path, MarkerName)) is { Kind: UnixFileKind.Regular } marker && marker.Owner == me;

    private static bool IsInside(string folder, string root)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(folder));
        return relative == "." || !(relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(3, '0');

    private static BranchTasksException NotPrivate(string what, string path, string problem, string fix) =>
        new(ErrorCodes.StateDirectoryNotPrivate, $"{what} {path} {problem}. {fix}.");
}
