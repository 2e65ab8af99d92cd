using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Files only the current user may read. A write goes to a temp file with an unpredictable name in the same
/// folder, created exclusively (O_EXCL: a file or symlink planted at that name is never opened, so nothing is
/// written through a link) with mode 0600 from its first byte, then renamed over the target (a symlink planted at
/// the target is replaced, not followed). Readers see the old or the new content, never a mix.
/// </summary>
public static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, string contents) => Write(path, contents, OwnerOnly);

    /// <summary>The same atomic, exclusive write with another mode, for files that are not secret (a git hook).</summary>
    internal static void Write(string path, string contents, UnixFileMode mode)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new ArgumentException("No folder in " + path, nameof(path));
        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + "." + RandomSuffix() + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents));
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
