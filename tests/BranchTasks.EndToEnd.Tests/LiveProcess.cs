using System.Collections.Concurrent;
using System.Diagnostics;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>A long-running process (dotnet watch, a running app) whose output lines a test reads while it runs; killed with its whole tree.</summary>
public sealed class LiveProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LiveProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public static LiveProcess Start(string directory, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        StartProgram("dotnet", directory, environment, arguments);

    /// <summary>Starts <paramref name="fileName"/> itself (a built app's apphost, as an IDE does), not through dotnet.</summary>
    public static LiveProcess StartProgram(string fileName, string directory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var info = ProcessRunner.CreateStartInfo(fileName, arguments, directory, environment);
        var process = new Process { StartInfo = info };
        var live = new LiveProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { live.Lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { live.Lines.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return live;
    }

    /// <summary>Waits for the <paramref name="occurrence"/>-th line starting with <paramref name="prefix"/>; returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, int occurrence, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var matches = Lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (matches.Count >= occurrence)
            {
                return matches[occurrence - 1][prefix.Length..].Trim();
            }

            Assert.False(_process.HasExited, "The process exited:\n" + Output);
            await Task.Delay(20);
        }

        throw new TimeoutException($"No line #{occurrence} starting with '{prefix}' within {timeout}:\n" + Output);
    }

    public string Output => string.Join("\n", Lines);

    public int ProcessId => _process.Id;

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process did not end within {timeout}:\n" + Output);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }
}
