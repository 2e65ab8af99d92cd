using System.Collections.Concurrent;
using BranchTasks.Core.Git;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Watches HEAD of every work tree the daemon has ensured a branch for. When HEAD moves (a git checkout),
/// it ensures the new branch and its tunnel right away, so a running app on AddBranchTasks() or the next
/// `dotnet run` finds them ready. Best effort: failures are logged, never surfaced.
/// </summary>
public sealed class HeadWatcher : IDisposable
{
    /// <summary>Bounds the file-system watchers one daemon holds.</summary>
    public const int MaxRepositories = 64;

    private readonly Func<DaemonRequest, CancellationToken, Task> _ensure;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, Watched> _watched = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public HeadWatcher(Func<DaemonRequest, CancellationToken, Task> ensure, Action<string> log)
    {
        _ensure = ensure;
        _log = log;
    }

    public int Count => _watched.Count;

    /// <summary>Starts watching <paramref name="head"/>'s work tree (once); <paramref name="request"/> is replayed when its branch changes.</summary>
    public void Watch(GitHead head, DaemonRequest request)
    {
        var gitDir = head.GitDir;
        // A pinned branch (BRANCHTASKS_BRANCH) does not follow HEAD.
        if (request.BranchOverride is not null || _stop.IsCancellationRequested || _watched.ContainsKey(gitDir) || _watched.Count >= MaxRepositories)
        {
            return;
        }

        var replay = new DaemonRequest { Op = DaemonOps.Ensure, Directory = request.Directory, ConfigFile = request.ConfigFile, ConnectionName = request.ConnectionName };
        var watched = new Watched(this, head, replay);
        if (!_watched.TryAdd(gitDir, watched))
        {
            return;
        }

        try
        {
            watched.Start();
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            Forget(watched);
            Log($"cannot watch {gitDir}/HEAD: {e.Message}");
        }
    }

    private void Log(string message)
    {
        try
        {
            _log(message);
        }
        catch (ObjectDisposedException)
        {
            // The daemon is shutting down and its log is closed.
        }
    }

    private void Forget(Watched watched)
    {
        _watched.TryRemove(new KeyValuePair<string, Watched>(watched.GitDir, watched));
        watched.Dispose();
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var watched in _watched.Values)
        {
            watched.Dispose();
        }

        _watched.Clear();
    }

    private sealed class Watched(HeadWatcher owner, GitHead head, DaemonRequest request) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private FileSystemWatcher? _watcher;
        private string? _lastBranch;

        public string GitDir { get; } = head.GitDir;

        public void Start()
        {
            _lastBranch = head.BranchKey;
            _watcher = new FileSystemWatcher(GitDir) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            _watcher.Changed += OnEvent;
            _watcher.Created += OnEvent;
            _watcher.Renamed += OnEvent;
            _watcher.Error += (_, _) => owner.Forget(this);
            _watcher.EnableRaisingEvents = true;
        }

        private void OnEvent(object sender, FileSystemEventArgs e)
        {
            if (e.Name == "HEAD")
            {
                _ = Task.Run(RefreshAsync);
            }
        }

        private async Task RefreshAsync()
        {
            if (!await _gate.WaitAsync(0).ConfigureAwait(false))
            {
                return;
            }

            try
            {
                while (!owner._stop.IsCancellationRequested)
                {
                    if (!Directory.Exists(GitDir))
                    {
                        owner.Forget(this);
                        return;
                    }

                    var branch = GitHeadReader.TryRead(head.WorkTreeRoot)?.BranchKey;
                    if (branch is null || branch == _lastBranch)
                    {
                        return;
                    }

                    _lastBranch = branch;
                    var shown = branch.Length == 0 ? "detached" : branch;
                    try
                    {
                        await owner._ensure(request, owner._stop.Token).ConfigureAwait(false);
                        owner.Log($"HEAD of {GitDir} moved ({shown}): branch and tunnel ensured ahead of use");
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        owner.Log($"HEAD of {GitDir} moved ({shown}); ensuring ahead of use failed: {e.Message}");
                    }
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose() => _watcher?.Dispose();
    }
}
