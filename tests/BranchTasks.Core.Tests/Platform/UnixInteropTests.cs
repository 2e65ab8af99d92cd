using BranchTasks.Core.Platform;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Platform;

public sealed class UnixInteropTests
{
    [Fact]
    public async Task Owner_mode_and_kind_agree_with_stat()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("bt-interop-").FullName;
        try
        {
            var file = Path.Combine(folder, "file");
            File.WriteAllText(file, "x");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupWrite | UnixFileMode.OtherExecute);
            var link = Path.Combine(folder, "link");
            File.CreateSymbolicLink(link, file);
            var id = await ProcessRunner.RunAsync("id", ["-u"], folder);
            var expectedOwner = uint.Parse(id.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);

            Assert.Equal(expectedOwner, UnixInterop.EffectiveUserId());
            Assert.Equal(new UnixFileStatus(UnixFileKind.Regular, UnixFileMode.UserRead | UnixFileMode.GroupWrite | UnixFileMode.OtherExecute, expectedOwner), UnixInterop.Status(file));
            Assert.Equal(UnixFileKind.Symlink, UnixInterop.LinkStatus(link)?.Kind);
            Assert.Equal(UnixFileKind.Regular, UnixInterop.Status(link)?.Kind);
            Assert.Equal(UnixFileKind.Directory, UnixInterop.Status(folder)?.Kind);
            Assert.False(UnixInterop.Status(folder)!.Value.OpenToOthers);
            Assert.True(UnixInterop.Status(file)!.Value.OpenToOthers);
            Assert.Null(UnixInterop.Status(Path.Combine(folder, "missing")));

            if (expectedOwner == 0)
            {
                // Root can hand a file to another user: the owner read must be the file's, not ours.
                await ProcessRunner.RunAsync("chown", ["65534", file], folder);
                Assert.Equal(65534u, UnixInterop.Status(file)?.Owner);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
