namespace BranchTasks.Core.Platform;

/// <summary>
/// A cross-process lock held as long as this object (or, at the latest, the process) lives: a lock file opened
/// exclusively, on which .NET takes an OS lock (flock on Unix) for FileShare.None, so a holder that dies, even by
/// kill -9, releases it. The file is the user's alone (0600, put back to 0600 when found looser); its content is
/// nothing and it is never deleted, since deleting a lock file lets two holders lock two different files.
/// </summary>
public sealed class FileLock : IDisposable
{
    private static readonly RetryDelays Delays = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(250));

    private readonly FileStream _stream;

    private FileLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>The lock, or null while another holder has it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile.OwnerOnly;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException e) when (e is not (DirectoryNotFoundException or FileNotFoundException or PathTooLongException))
        {
            return null;
        }

        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != PrivateFile.OwnerOnly)
        {
            // Made by an older version or by hand: the mode is set on the open file, so no path can be swapped in between.
            File.SetUnixFileMode(stream.SafeFileHandle, PrivateFile.OwnerOnly);
        }

        return new FileLock(path, stream);
    }

    /// <summary>The lock, waiting for another holder up to <paramref name="timeout"/>; null when it still held it then.</summary>
    public static Task<FileLock?> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        Retry.UntilAsync(_ => ValueTask.FromResult(TryAcquire(path)), timeout, Delays, cancellationToken);

    public void Dispose() => _stream.Dispose();
}
