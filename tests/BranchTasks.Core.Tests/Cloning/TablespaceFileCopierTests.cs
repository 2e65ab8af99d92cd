using BranchTasks.Core.Cloning;

namespace BranchTasks.Core.Tests.Cloning;

public sealed class TablespaceFileCopierTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-copier-").FullName;

    [Fact]
    public async Task A_copy_has_the_same_bytes_and_is_the_owners_alone()
    {
        var source = Path.Combine(_folder, "t@002dx.ibd");
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes);
        var target = Path.Combine(_folder, "copy.ibd");

        var cloned = await TablespaceFileCopier.CopyAsync(source, target, CancellationToken.None);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(target));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        }

        // Changing the copy leaves the original as it was, reflinked or not.
        await using (var stream = new FileStream(target, FileMode.Open, FileAccess.Write))
        {
            stream.WriteByte((byte)(bytes[0] ^ 0xFF));
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(source));
        Assert.False(cloned && OperatingSystem.IsWindows());
    }

    [Fact]
    public async Task An_existing_target_is_never_overwritten()
    {
        var source = Path.Combine(_folder, "a.ibd");
        var target = Path.Combine(_folder, "b.ibd");
        await File.WriteAllTextAsync(source, "new");
        await File.WriteAllTextAsync(target, "kept");

        await Assert.ThrowsAsync<IOException>(() => TablespaceFileCopier.CopyAsync(source, target, CancellationToken.None));

        Assert.Equal("kept", await File.ReadAllTextAsync(target));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
