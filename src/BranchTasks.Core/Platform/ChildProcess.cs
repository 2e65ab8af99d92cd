using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>How <see cref="ChildProcess.RunAsync"/> runs a tool to completion.</summary>
public sealed record ChildProcessOptions
{
    /// <summary>Past it the process is killed and the result says <see cref="ChildProcessResult.TimedOut"/>.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>
    /// Whether a timeout or cancellation kills the process's children too (the default). Off only for a child
    /// that starts something meant to outlive it (the tool's `up`, which may start the daemon).
    /// </summary>
    public bool KillEntireTree { get; init; } = true;

    /// <summary>Shown each line of standard error as it comes (progress); the lines are kept in the result too.</summary>
    public Action<string>? StandardErrorLine { get; init; }

    /// <summary>How much of each of stdout and stderr is kept: the last this many characters.</summary>
    public int MaxKeptChars { get; init; } = 1024 * 1024;
}

/// <summary>What a tool run by <see cref="ChildProcess.RunAsync"/> left: exit code (-1 when killed) and the kept output.</summary>
public sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    /// <summary>The last <paramref name="maxLines"/> non-empty lines of <paramref name="text"/>, for an error message.</summary>
    public static string Tail(string text, int maxLines = 15)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - maxLines)));
    }
}

/// <summary>
/// The one way BranchTasks starts a process. Three kinds, one set of rules:
/// <list type="bullet">
/// <item><see cref="RunAsync"/>, a tool run to completion: stdin empty, stdout and stderr drained at the same time
/// (a full pipe never blocks the child) with only their tails kept, and on timeout or cancellation the process
/// (by default with its whole tree) is killed.</item>
/// <item><see cref="StartDetached"/>, a server that outlives the caller (the daemon, mariadbd): never handed the
/// caller's stdio, whose readers (a shell pipe, MSBuild, a test run) would wait for EOF for as long as it lives.</item>
/// <item><see cref="StartAttached"/>, the user's own command: the terminal's stdio, the caller waits.</item>
/// </list>
/// The environment is inherited with the command's changes (a null value unsets a variable), and secrets never go
/// in the arguments (see <see cref="ProcessCommand"/>). A program that cannot be started throws <see cref="Win32Exception"/>.
/// </summary>
/// <remarks>Compiled into the MSBuild task and the configuration package too (for <c>ToolUp</c>): no Core-only types.</remarks>
public static class ChildProcess
{
    // How long a killed process, or the pipes of one that exited, are waited for before the result is returned anyway.
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(10);

    public static async Task<ChildProcessResult> RunAsync(ProcessCommand command, ChildProcessOptions options, CancellationToken cancellationToken)
    {
        var info = command.StartInfo(redirect: true);
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;
        using var process = Start(info);
        process.StandardInput.Close();
        var output = new ProcessOutput(options.MaxKeptChars);
        var error = new ProcessOutput(options.MaxKeptChars);
        var drained = Task.WhenAll(
            output.DrainAsync(process.StandardOutput, null),
            error.DrainAsync(process.StandardError, options.StandardErrorLine));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process, options.KillEntireTree);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(KillGrace, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        // A grandchild that inherited a pipe may keep it open after the child exited: its output is not waited for long.
        await drained.WaitAsync(KillGrace, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return new ChildProcessResult(timedOut || !process.HasExited ? -1 : process.ExitCode, output.ToString(), error.ToString(), timedOut);
    }

    /// <summary>
    /// Starts a long-lived process with stdin empty and stdout and stderr appended to <paramref name="outputFile"/>
    /// (created 0600 when missing), or dropped when it is null. On Unix a shell points the stdio there and then
    /// becomes the program (exec keeps the pid), so even what it prints before opening its own log is kept; on
    /// Windows, which has no such shell, the output is read and dropped (the servers write their own logs).
    /// </summary>
    public static Process StartDetached(ProcessCommand command, string? outputFile)
    {
        if (OperatingSystem.IsWindows())
        {
            var process = Start(command.StartInfo(redirect: true));
            process.StandardInput.Close();

            // Drained and dropped: an unread pipe would eventually block the process.
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        if (outputFile is not null)
        {
            CreateOwnerOnly(outputFile);
        }

        var shell = command with
        {
            FileName = "/bin/sh",
            Arguments = ["-c", "out=\"$1\"; shift; exec \"$@\" </dev/null >>\"$out\" 2>&1", "sh", outputFile ?? "/dev/null", command.FileName, .. command.Arguments],
        };
        return Start(shell.StartInfo(redirect: false));
    }

    /// <summary>Starts the user's command on the caller's stdio; the caller waits for it (and passes signals on).</summary>
    public static Process StartAttached(ProcessCommand command) => Start(command.StartInfo(redirect: false));

    /// <summary>Kills <paramref name="process"/> (and its children when <paramref name="entireTree"/>); nothing when it already exited.</summary>
    public static void Kill(Process process, bool entireTree = true)
    {
        try
        {
            process.Kill(entireTree);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already exited, or exiting.
        }
    }

    private static Process Start(ProcessStartInfo info)
    {
        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return process;
    }

    private static void CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        new FileStream(path, options).Dispose();
    }
}
