using System.Diagnostics;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.State;

public sealed class EphemeralRecordsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-ephemeral-").FullName;

    [Fact]
    public void Records_are_private_files_that_list_and_delete()
    {
        var records = new EphemeralRecords(new StateDirectory(Path.Combine(_root, "home")));
        Assert.Empty(records.List());
        var self = Process.GetCurrentProcess();
        var record = new EphemeralRecord("main-tmp-1a2b3c4d", "shop_main_tmp_1a2b3c4d", "local", "shop", "/repo/.git", Environment.ProcessId, self.StartTime.ToUniversalTime(), DateTimeOffset.UtcNow);
        records.Write(record);

        var listed = Assert.Single(records.List());
        Assert.Equal(record, listed);
        Assert.True(listed.OwnerIsRunning);
        var file = Assert.Single(Directory.GetFiles(records.FolderPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        // A file that does not parse, or whose name does not match its content, is no record.
        File.WriteAllText(Path.Combine(records.FolderPath, "local-other.json"), "{ not json");
        File.WriteAllText(Path.Combine(records.FolderPath, "local-renamed.json"), File.ReadAllText(file));
        Assert.Single(records.List());

        records.Delete(record);
        Assert.Empty(records.List());
    }

    [Fact]
    public void An_owner_that_ended_or_whose_pid_was_reused_is_not_running()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", ["30"]))!;
        var startedAt = child.StartTime.ToUniversalTime();
        Assert.True(Record(child.Id, startedAt).OwnerIsRunning);
        child.Kill();
        child.WaitForExit();
        Assert.False(Record(child.Id, startedAt).OwnerIsRunning);

        var self = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        Assert.True(Record(Environment.ProcessId, self).OwnerIsRunning);
        Assert.False(Record(Environment.ProcessId, self.AddMinutes(-5)).OwnerIsRunning);
    }

    private static EphemeralRecord Record(int pid, DateTimeOffset startedAt) =>
        new("main-tmp-1a2b3c4d", "shop_main_tmp_1a2b3c4d", "local", "shop", "/repo/.git", pid, startedAt, DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
