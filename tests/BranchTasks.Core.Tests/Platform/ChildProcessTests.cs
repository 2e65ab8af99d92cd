using System.ComponentModel;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

/// <summary>The rules of <see cref="ChildProcess"/>, with real child processes (sh, sleep).</summary>
public sealed class ChildProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-runner-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ProcessCommand Shell(string script) => new("sh", ["-c", script]);

    [Fact]
    public async Task Both_pipes_are_drained_at_once_so_a_child_filling_stderr_first_never_blocks()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // 2 MB on stderr before anything on stdout: a runner reading stdout to its end first waits forever on a
        // child blocked writing to a full stderr pipe (64 KiB).
        var script = "head -c 2000000 /dev/zero | tr '\\0' e >&2; echo >&2; head -c 2000000 /dev/zero | tr '\\0' o; echo; echo end-of-out; echo end-of-err >&2";
        var result = await ChildProcess.RunAsync(Shell(script), new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(30), MaxKeptChars = 1000 }, CancellationToken.None);

        Assert.False(result.TimedOut);
        Assert.Equal(0, result.ExitCode);

        // Only the tail is kept, whatever the child wrote in all.
        Assert.Equal(1000, result.StandardOutput.Length);
        Assert.EndsWith("o\nend-of-out\n", result.StandardOutput);
        Assert.Equal(1000, result.StandardError.Length);
        Assert.EndsWith("e\nend-of-err\n", result.StandardError);
    }

    [Fact]
    public async Task Standard_error_lines_reach_the_callback_in_order_the_last_one_without_newline_too()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var lines = new List<string>();
        var options = new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(30), StandardErrorLine = lines.Add };
        var result = await ChildProcess.RunAsync(Shell("printf 'one\\r\\ntwo\\n' >&2; echo out; printf three >&2"), options, CancellationToken.None);

        Assert.Equal(["one", "two", "three"], lines);
        Assert.Equal("out\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_tree()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var pidFile = Path.Combine(_folder, "grandchild.pid");
        var result = await ChildProcess.RunAsync(
            Shell($"sleep 300 & echo $! > '{pidFile}'; wait"),
            new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(3) },
            CancellationToken.None);

        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.True(await GoneAsync(ReadPid(pidFile)), "the grandchild (sleep) outlived the timeout");
    }

    [Fact]
    public async Task A_timeout_without_the_tree_kills_only_the_child()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // The tool's `up` starts the daemon as its child, which must outlive a tool that is given up on.
        var pidFile = Path.Combine(_folder, "grandchild.pid");
        var result = await ChildProcess.RunAsync(
            Shell($"sleep 300 >/dev/null 2>&1 & echo $! > '{pidFile}'; wait"),
            new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(3), KillEntireTree = false },
            CancellationToken.None);

        var grandchild = ReadPid(pidFile);
        try
        {
            Assert.True(result.TimedOut);
            Assert.NotNull(ProcessStartTime.Of(grandchild));
        }
        finally
        {
            using var process = System.Diagnostics.Process.GetProcessById(grandchild);
            process.Kill();
        }
    }

    [Fact]
    public async Task Cancelling_kills_the_child_and_throws()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var pidFile = Path.Combine(_folder, "child.pid");
        using var cancel = new CancellationTokenSource();
        var run = ChildProcess.RunAsync(Shell($"echo $$ > '{pidFile}'; exec sleep 300"), new ChildProcessOptions { Timeout = TimeSpan.FromMinutes(5) }, cancel.Token);
        while (!File.Exists(pidFile) || new FileInfo(pidFile).Length == 0)
        {
            await Task.Delay(20);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(await GoneAsync(ReadPid(pidFile)), "the cancelled child is still running");
    }

    [Fact]
    public async Task A_null_value_unsets_an_inherited_variable_and_others_are_set()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var inherited = "BT_RUNNER_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(inherited, "from-the-parent");
        try
        {
            var command = Shell($"echo \"${{{inherited}-unset}} $BT_RUNNER_SET\"") with
            {
                Environment = new Dictionary<string, string?> { [inherited] = null, ["BT_RUNNER_SET"] = "set-by-command" },
            };
            var result = await ChildProcess.RunAsync(command, new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(30) }, CancellationToken.None);

            Assert.Equal("unset set-by-command\n", result.StandardOutput);
        }
        finally
        {
            Environment.SetEnvironmentVariable(inherited, null);
        }
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_a_Win32Exception()
    {
        await Assert.ThrowsAsync<Win32Exception>(() => ChildProcess.RunAsync(
            new ProcessCommand(Path.Combine(_folder, "no-such-program"), []),
            new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(5) },
            CancellationToken.None));
    }

    [Fact]
    public async Task A_detached_process_gets_no_stdio_of_ours_and_its_output_goes_to_a_0600_file()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var log = Path.Combine(_folder, "server.log");
        using var process = ChildProcess.StartDetached(
            Shell("echo started; readlink /proc/$$/fd/0; readlink /proc/$$/fd/1; readlink /proc/$$/fd/2; echo oops >&2") with { WorkingDirectory = _folder },
            log);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(log));
        Assert.Equal(["started", "/dev/null", log, log, "oops"], File.ReadAllLines(log));
    }

    private static int ReadPid(string file) => int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> GoneAsync(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            if (ProcessStartTime.Of(pid) is null)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
