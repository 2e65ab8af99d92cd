namespace BranchTasks.Core.Daemon;

/// <summary>
/// The daemon's log file in the state directory. The daemon has no console (it outlives the command
/// that started it), so this file is where its story is told.
/// </summary>
public sealed class DaemonLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public DaemonLog(string path)
    {
        Path = path;
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _writer = new StreamWriter(new FileStream(path, options)) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(string message)
    {
        lock (_gate)
        {
            _writer.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [{Environment.ProcessId}] {message}");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}
