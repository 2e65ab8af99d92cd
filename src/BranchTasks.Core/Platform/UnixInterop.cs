using System.Runtime.InteropServices;
using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>
/// The two facts .NET has no public API for: the effective user id, and who owns a file. Both go through the
/// runtime's own native shim (libSystem.Native, shipped with every .NET runtime), whose FileStatus has one
/// layout on Linux and macOS on every architecture, unlike libc's struct stat.
/// </summary>
internal static class UnixInterop
{
    // S_IFMT and the file type values of the runtime's FileStatus.Mode.
    private const int TypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeRegular = 0x8000;
    private const int TypeSymlink = 0xA000;
    private const int TypeSocket = 0xC000;

    public static uint EffectiveUserId() => SystemNative_GetEUid();

    /// <summary>Status of <paramref name="path"/> itself (a symlink is reported as one), or null when it does not exist.</summary>
    public static UnixFileStatus? LinkStatus(string path) => SystemNative_LStat(NullTerminated(path), out var status) == 0 ? Convert(status) : null;

    /// <summary>Status of what <paramref name="path"/> leads to (symlinks followed), or null when it does not exist.</summary>
    public static UnixFileStatus? Status(string path) => SystemNative_Stat(NullTerminated(path), out var status) == 0 ? Convert(status) : null;

    private static UnixFileStatus Convert(FileStatus status)
    {
        var type = status.Mode & TypeMask;
        var kind = type switch
        {
            TypeDirectory => UnixFileKind.Directory,
            TypeRegular => UnixFileKind.Regular,
            TypeSymlink => UnixFileKind.Symlink,
            TypeSocket => UnixFileKind.Socket,
            _ => UnixFileKind.Other,
        };
        return new UnixFileStatus(kind, (UnixFileMode)(status.Mode & 0xFFF), status.Uid);
    }

    private static byte[] NullTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    // Only the leading fields are read; Size leaves room for every field the runtime's struct has, and more.
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_GetEUid")]
    private static extern uint SystemNative_GetEUid();

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int SystemNative_LStat(byte[] path, out FileStatus output);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int SystemNative_Stat(byte[] path, out FileStatus output);
}
