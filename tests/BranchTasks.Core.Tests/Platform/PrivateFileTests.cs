using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class PrivateFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-private-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_private_file_is_0600_and_leaves_no_temp_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_folder, "credentials.json");
        PrivateFile.Write(path, "{\"password\":\"first\"}");
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(path));
        PrivateFile.Write(path, "{\"password\":\"second\"}");
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal("{\"password\":\"second\"}", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void A_symlink_planted_at_the_target_is_replaced_and_its_target_left_untouched()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var victim = Path.Combine(_folder, "victim.txt");
        File.WriteAllText(victim, "the developer's file");
        var path = Path.Combine(_folder, "server.json");
        File.CreateSymbolicLink(path, victim);

        PrivateFile.Write(path, "secret");

        Assert.Equal("the developer's file", File.ReadAllText(victim));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("secret", File.ReadAllText(path));
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_symlink_at_the_old_predictable_temp_name_is_never_written_through()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var victim = Path.Combine(_folder, "victim.txt");
        File.WriteAllText(victim, "the developer's file");
        var path = Path.Combine(_folder, "ports.json");
        File.CreateSymbolicLink(path + "." + Environment.ProcessId + ".tmp", victim);

        PrivateFile.Write(path, "{}");

        Assert.Equal("the developer's file", File.ReadAllText(victim));
        Assert.Equal("{}", File.ReadAllText(path));
    }

    [Fact]
    public async Task Concurrent_writers_never_leave_a_mixed_or_partial_file()
    {
        var path = Path.Combine(_folder, "tokens.json");
        // Large enough that a non-atomic write would be seen half done.
        var contents = Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 256 * 1024)).ToArray();
        PrivateFile.Write(path, contents[0]);
        using var stop = new CancellationTokenSource();
        var seen = new HashSet<string>();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                seen.Add(File.ReadAllText(path));
            }
        });
        var writers = contents.Select(text => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                PrivateFile.Write(path, text);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        stop.Cancel();
        await reader;

        Assert.All(seen, text => Assert.Contains(text, contents));
        Assert.Contains(File.ReadAllText(path), contents);
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }
}
