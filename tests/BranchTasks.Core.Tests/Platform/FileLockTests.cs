using System.Diagnostics;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class FileLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-file-lock-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_second_holder_waits_for_the_first_and_gets_the_lock_once_it_is_released()
    {
        var path = Path.Combine(_folder, "server.lock");
        var first = FileLock.TryAcquire(path);
        Assert.NotNull(first);
        Assert.Null(FileLock.TryAcquire(path));

        var waiter = FileLock.AcquireAsync(path, TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted, "the second holder got the lock while the first held it");

        first.Dispose();
        using var second = await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(second);
    }

    [Fact]
    public async Task A_holder_that_keeps_the_lock_past_the_timeout_leaves_the_waiter_with_none()
    {
        var path = Path.Combine(_folder, "daemon.start.lock");
        using var first = FileLock.TryAcquire(path);
        Assert.NotNull(first);

        var clock = Stopwatch.StartNew();
        Assert.Null(await FileLock.AcquireAsync(path, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"gave up after {clock.Elapsed.TotalMilliseconds:0} ms, before its timeout");
    }

    [Fact]
    public void The_lock_file_is_0600_and_an_old_one_with_a_looser_mode_is_put_back_to_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fresh = Path.Combine(_folder, "daemon.lock");
        using (FileLock.TryAcquire(fresh))
        {
            Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(fresh));
        }

        var old = Path.Combine(_folder, "server.lock");
        File.WriteAllText(old, "");
        File.SetUnixFileMode(old, PrivateFile.OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (FileLock.TryAcquire(old))
        {
            Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(old));
        }
    }

    [Fact]
    public async Task A_holder_that_dies_releases_the_lock()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // flock(1) takes the same OS lock (flock(2)) .NET takes for FileShare.None; -o keeps it from its sleeping child.
        var path = Path.Combine(_folder, "server.lock");
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-o", path, "sleep", "300"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (FileLock.TryAcquire(path) is { } early)
            {
                early.Dispose();
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "flock never took the lock");
                await Task.Delay(20);
            }

            holder.Kill(entireProcessTree: false);
            await holder.WaitForExitAsync();

            using var taken = await FileLock.AcquireAsync(path, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.NotNull(taken);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
        }
    }
}
