using System.Reflection;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;
using BranchTasks.Core.State;
using Microsoft.Extensions.Configuration;

namespace BranchTasks.Configuration;

/// <summary>
/// Provides <c>ConnectionStrings:&lt;name&gt;</c> for the current git branch and follows HEAD: a file-system
/// watcher on the git dir (plus a poll in case an event is missed) notices a branch switch, the daemon
/// ensures the new branch and its tunnel, and the provider swaps its data and fires the reload token.
/// On first load with no daemon running it starts one (<see cref="ColdStart"/>), and when it cannot provide the
/// connection string it throws (<see cref="BranchTasksConfigurationOptions.Required"/>) instead of leaving it unset.
/// </summary>
public sealed class BranchTasksConfigurationProvider : ConfigurationProvider, IDisposable
{
    private readonly BranchTasksConfigurationOptions _options;
    private readonly string _stateRoot;
    private readonly Assembly? _appAssembly;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private string? _headPath;
    private string? _workTreeRoot;
    private FileSystemWatcher? _watcher;
    private Timer? _poll;
    private bool _started;
    private string? _lastHead;
    private bool _lastOk;

    public BranchTasksConfigurationProvider(BranchTasksConfigurationOptions options)
        : this(options, null)
    {
    }

    /// <param name="appAssembly">The app's assembly (the caller of AddBranchTasks): it names the bundled tool and the UserSecretsId.</param>
    internal BranchTasksConfigurationProvider(BranchTasksConfigurationOptions options, Assembly? appAssembly)
    {
        _options = options;
        _appAssembly = appAssembly;
        _stateRoot = string.IsNullOrWhiteSpace(options.StateDirectory) ? StateDirectory.ForCurrentUser().Root : Path.GetFullPath(options.StateDirectory);
    }

    /// <summary>The git dir's HEAD file this provider watches; null when the folder is not in a git repository.</summary>
    public string? HeadPath => _headPath;

    public override void Load()
    {
        // A configuration reload calls Load again: the data is already current, the watcher keeps it so.
        if (_started)
        {
            return;
        }

        _started = true;
        var directory = _options.Directory ?? Environment.CurrentDirectory;
        GitHead head;
        try
        {
            head = GitHeadReader.Read(directory);
        }
        catch (BranchTasksException e) when (e.Code == ErrorCodes.NotAGitRepository)
        {
            _options.OnChange?.Invoke(new BranchTasksChange(null, null, null, $"{directory} is not inside a git repository; BranchTasks provides no connection string."));
            return;
        }
        catch (BranchTasksException e)
        {
            // A broken .git file or HEAD: the daemon would refuse the same repository, so say why here.
            _options.OnChange?.Invoke(new BranchTasksChange(null, null, null, $"error {e.Code}: {e.Message}"));
            ThrowIfRequired(new DaemonError { Code = e.Code, Message = e.Message });
            return;
        }

        _headPath = Path.Combine(head.GitDir, "HEAD");
        _workTreeRoot = head.WorkTreeRoot;
        ThrowIfRequired(Task.Run(() => RefreshAsync(wait: true)).GetAwaiter().GetResult());
        StartWatching(head.GitDir);
    }

    private void ThrowIfRequired(DaemonError? failure)
    {
        if (failure is not null && _options.Required)
        {
            throw new BranchTasksConfigurationException(failure.Code, failure.Message
                + " (BranchTasks: AddBranchTasks() could not provide the connection string; fix the cause above, or pass o => o.Required = false to start without it.)");
        }
    }

    private void StartWatching(string gitDir)
    {
        try
        {
            _watcher = new FileSystemWatcher(gitDir)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify watches, or a file system without events: the poll still follows HEAD.
            _watcher?.Dispose();
            _watcher = null;
        }

        _poll = new Timer(_ => Trigger(), null, _options.PollInterval, _options.PollInterval);
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (string.Equals(e.Name, "HEAD", StringComparison.Ordinal))
        {
            Trigger();
        }
    }

    private void Trigger()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _ = Task.Run(() => RefreshAsync(wait: false));
        }
    }

    /// <summary>
    /// Ensures the branch HEAD follows (<see cref="GitHead.BranchKey"/>) unless it is the one already served; repeats while it keeps moving.
    /// Returns why it failed (null on success or when there was nothing to do).
    /// </summary>
    private async Task<DaemonError?> RefreshAsync(bool wait)
    {
        if (wait)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
        }
        else if (!await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            // The refresh in progress re-reads HEAD when it is done.
            return null;
        }

        try
        {
            while (!_disposed.IsCancellationRequested)
            {
                var head = ReadHead();
                if (head is null || (head == _lastHead && _lastOk))
                {
                    return null;
                }

                var retryLater = head == _lastHead;
                var error = await EnsureAsync(head, reportFailure: !retryLater).ConfigureAwait(false);
                if (error is not null)
                {
                    return error;
                }
            }

            return null;
        }
        catch (BranchTasksConfigurationException e)
        {
            _lastOk = false;
            _options.OnChange?.Invoke(new BranchTasksChange(null, null, null, e.Message));
            return new DaemonError { Code = e.Code, Message = e.Detail };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _lastOk = false;
            _options.OnChange?.Invoke(new BranchTasksChange(null, null, null, e.Message));
            return new DaemonError { Code = ErrorCodes.Unexpected, Message = e.Message };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Asks the daemon for the branch of <paramref name="head"/>; starts it when none answers and HEAD moved (or on first load).</summary>
    private async Task<DaemonError?> EnsureAsync(string head, bool reportFailure)
    {
        var request = new DaemonRequest
        {
            Op = DaemonOps.Ensure,
            Directory = _options.Directory,
            ConfigFile = _options.ConfigFile,
            ConnectionName = _options.ConnectionName,
            BranchOverride = Environment.GetEnvironmentVariable(GitBranchResolver.BranchOverrideVariable),
            Credentials = BranchTasks.Core.Providers.CredentialEnvironment.Capture(),
            UserSecretsId = UserSecretsIdOf(_appAssembly),
        };
        // Recorded before trying: a failure (even a thrown one) is retried by the poll quietly, without starting the daemon again.
        _lastHead = head;
        _lastOk = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        DaemonResponse? response;
        try
        {
            response = await DaemonClient.TrySendAsync(_stateRoot, request, TimeSpan.FromSeconds(1), timeout.Token, Progress).ConfigureAwait(false);
            if (response is null && reportFailure && _options.StartDaemon)
            {
                response = await new ColdStart(_options, _stateRoot, _appAssembly).RunAsync(request, _disposed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!_disposed.IsCancellationRequested)
        {
            response = DaemonResponse.Failure(ErrorCodes.AppEnsureTimeout, TimeoutMessage(_options.RequestTimeout));
        }

        if (response is not { Ok: true, Ensure: { } result })
        {
            var error = response?.Error ?? new DaemonError
            {
                Code = ErrorCodes.DaemonUnavailable,
                Message = $"The BranchTasks daemon is not running for {_stateRoot}; run `branchtasks up` (or `dotnet run`, which starts it), or leave StartDaemon on so that AddBranchTasks() starts it.",
            };
            if (reportFailure)
            {
                _options.OnChange?.Invoke(new BranchTasksChange(null, null, null, $"error {error.Code}: {error.Message}"));
                _options.Log?.Invoke($"BranchTasks: error {error.Code}: {error.Message}");
            }

            return error;
        }

        _lastOk = true;
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:" + result.ConnectionName] = result.ConnectionString,
        };
        var changed = !Data.TryGetValue("ConnectionStrings:" + result.ConnectionName, out var old) || old != result.ConnectionString || Data.Count != 1;
        Data = data;
        _options.OnChange?.Invoke(new BranchTasksChange(result.GitBranch, result.Database, result.ConnectionString, null));
        if (changed)
        {
            // The same line `dotnet run` shows: "feature/x → shop_feature_x_1a2b3c4d (127.0.0.1:40123), created from main".
            _options.Log?.Invoke("BranchTasks: " + result.Summary());
            OnReload();
        }

        return null;
    }

    private void Progress(string line) => _options.Log?.Invoke("BranchTasks: " + line);

    internal static string TimeoutMessage(TimeSpan timeout) =>
        $"The database branch was not ready within RequestTimeout ({timeout.TotalSeconds:0} s). Its log is daemon.log in the BranchTasks state directory; "
        + "raise it with AddBranchTasks(o => o.RequestTimeout = TimeSpan.FromMinutes(5)) when creating the branch takes longer (large data, a new PlanetScale branch).";

    /// <summary>The app's UserSecretsId (from its assembly, as the build wrote it): provider credentials may be kept in its user secrets.</summary>
    private static string? UserSecretsIdOf(Assembly? assembly) =>
        assembly?.GetCustomAttributesData()
            .FirstOrDefault(a => a.AttributeType.FullName == "Microsoft.Extensions.Configuration.UserSecrets.UserSecretsIdAttribute")
            ?.ConstructorArguments.FirstOrDefault().Value as string;

    private string? ReadHead() => _workTreeRoot is null ? null : GitHeadReader.TryRead(_workTreeRoot)?.BranchKey;

    public void Dispose()
    {
        _disposed.Cancel();
        _watcher?.Dispose();
        _poll?.Dispose();
    }
}
