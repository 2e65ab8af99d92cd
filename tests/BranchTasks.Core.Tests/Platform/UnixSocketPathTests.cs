using System.Text;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class UnixSocketPathTests : IDisposable
{
    private static readonly string Deep = "/home/dev/" + new string('d', 120) + "/daemon.sock";
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-socket-path-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_path_that_fits_sun_path_is_used_as_it_is()
    {
        Assert.Equal("/s/daemon.sock", UnixSocketPath.Resolve("/s/daemon.sock", "/s", runtimeDirectory: _folder, tempDirectory: "/tmp"));
    }

    [Fact]
    public void A_deep_path_goes_to_a_private_XDG_RUNTIME_DIR()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var runtime = Directory.CreateDirectory(Path.Combine(_folder, "run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var path = UnixSocketPath.Resolve(Deep, "/home/dev/state", runtime, "/tmp");
        Assert.Equal(runtime, Path.GetDirectoryName(path));
        Assert.Matches("^branchtasks-[0-9a-f]{16}\\.sock$", Path.GetFileName(path));
        Assert.NotEqual(path, UnixSocketPath.Resolve(Deep, "/home/dev/other-state", runtime, "/tmp"));
        Assert.Equal(path, UnixSocketPath.Resolve(Deep, "/home/dev/state", runtime, "/tmp"));
    }

    [Fact]
    public void An_XDG_RUNTIME_DIR_others_can_enter_or_that_is_relative_or_missing_is_not_used()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var open = Directory.CreateDirectory(Path.Combine(_folder, "open"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute).FullName;
        var perUser = Path.Combine(_folder, "branchtasks-" + UnixInterop.EffectiveUserId());
        foreach (var runtime in new[] { open, "run/user", Path.Combine(_folder, "missing"), string.Empty, null })
        {
            var path = UnixSocketPath.Resolve(Deep, "/home/dev/state", runtime, _folder);
            Assert.Equal(perUser, Path.GetDirectoryName(path));
            Assert.Matches("^[0-9a-f]{16}\\.sock$", Path.GetFileName(path));
            Assert.True(Encoding.UTF8.GetByteCount(path) <= UnixSocketPath.MaxBytes, path);
        }
    }

    [Fact]
    public async Task An_XDG_RUNTIME_DIR_of_another_user_is_not_used()
    {
        if (OperatingSystem.IsWindows() || UnixInterop.EffectiveUserId() != 0)
        {
            return;
        }

        var theirs = Directory.CreateDirectory(Path.Combine(_folder, "theirs"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        await BranchTasks.Testing.ProcessRunner.RunAsync("chown", ["65534", theirs], _folder);
        var path = UnixSocketPath.Resolve(Deep, "/home/dev/state", theirs, _folder);
        Assert.Equal(Path.Combine(_folder, "branchtasks-0"), Path.GetDirectoryName(path));
    }
}
