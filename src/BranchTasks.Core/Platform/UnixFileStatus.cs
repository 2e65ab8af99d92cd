namespace BranchTasks.Core.Platform;

internal enum UnixFileKind
{
    Regular,
    Directory,
    Symlink,
    Socket,
    Other,
}

/// <summary>What <see cref="UnixInterop"/> tells about a file: its kind, permission bits and owner.</summary>
internal readonly record struct UnixFileStatus(UnixFileKind Kind, UnixFileMode Permissions, uint Owner)
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>True when users other than the owner have any permission bit.</summary>
    public bool OpenToOthers => (Permissions & GroupOrOther) != 0;
}
