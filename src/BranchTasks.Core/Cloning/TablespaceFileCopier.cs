using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Copies a tablespace file: as a copy-on-write clone where the file system has them (Linux <c>FICLONE</c>
/// on btrfs, XFS and the like: instant, no extra space until either side changes), else byte by byte.
/// </summary>
internal static class TablespaceFileCopier
{
    // _IOW(0x94, 9, int) from linux/fs.h.
    private const uint FiClone = 0x40049409;
    private const int BufferSize = 1 << 20;

    /// <summary>Copies <paramref name="source"/> to a new file <paramref name="target"/> (which must not exist); true when it was a copy-on-write clone.</summary>
    public static async Task<bool> CopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        var readOptions = new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, Options = FileOptions.SequentialScan | FileOptions.Asynchronous };
        var writeOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            // The server's own files are the owner's alone; a copy must not be readable by anyone else meanwhile.
            writeOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var input = new FileStream(source, readOptions);
        await using var output = new FileStream(target, writeOptions);
        if (OperatingSystem.IsLinux() && TryClone(input.SafeFileHandle, output.SafeFileHandle))
        {
            return true;
        }

        await input.CopyToAsync(output, BufferSize, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static bool TryClone(SafeFileHandle source, SafeFileHandle target)
    {
        try
        {
            // Fails (EOPNOTSUPP, EXDEV, EINVAL...) where the file system cannot share extents; then the bytes are copied.
            return Ioctl(target, FiClone, source) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(SafeFileHandle fd, nuint request, SafeFileHandle sourceFd);
}
