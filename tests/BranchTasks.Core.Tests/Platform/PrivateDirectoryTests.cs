using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Platform;

public sealed class PrivateDirectoryTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Loose = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-private-dir-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_missing_folder_is_created_0700_and_marked_as_made_by_BranchTasks()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_folder, "state", "branchtasks");
        Assert.Null(PrivateDirectory.Ensure(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.True(File.Exists(Path.Combine(path, PrivateDirectory.MarkerName)));
        Assert.Null(PrivateDirectory.Ensure(path));
    }

    [Fact]
    public void A_folder_BranchTasks_made_is_put_back_to_0700_when_loosened()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_folder, "home");
        PrivateDirectory.Ensure(path);
        File.SetUnixFileMode(path, Loose);

        var repaired = PrivateDirectory.Ensure(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Contains(path, repaired);
        Assert.Contains("755", repaired);
    }

    [Fact]
    public void A_loose_folder_BranchTasks_did_not_make_is_refused_with_the_fix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Directory.CreateDirectory(Path.Combine(_folder, "mine"), Loose).FullName;
        File.SetUnixFileMode(path, Loose);

        var error = Assert.Throws<BranchTasksException>(() => PrivateDirectory.Ensure(path));

        Assert.Equal(ErrorCodes.StateDirectoryNotPrivate, error.Code);
        Assert.Contains(path, error.Message);
        Assert.Contains("mode 755", error.Message);
        Assert.Contains($"chmod 700 {path}", error.Message);
        Assert.Contains("BRANCHTASKS_HOME", error.Message);
        Assert.Equal(Loose, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_folder_of_another_user_is_refused_even_when_marked()
    {
        if (OperatingSystem.IsWindows() || UnixInterop.EffectiveUserId() != 0)
        {
            return;
        }

        var path = Path.Combine(_folder, "theirs");
        PrivateDirectory.Ensure(path);
        await ProcessRunner.RunAsync("chown", ["65534", path], _folder);

        var error = Assert.Throws<BranchTasksException>(() => PrivateDirectory.Ensure(path));

        Assert.Equal(ErrorCodes.StateDirectoryNotPrivate, error.Code);
        Assert.Contains(path, error.Message);
        Assert.Contains("user id 65534", error.Message);
    }

    [Fact]
    public void A_socket_folder_is_created_0700_outside_the_state_directory_and_left_alone_inside()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var state = Path.Combine(_folder, "state");
        var socketFolder = Path.Combine(_folder, "branchtasks-" + UnixInterop.EffectiveUserId());
        PrivateDirectory.EnsureSocketFolder(Path.Combine(socketFolder, "abc.sock"), state);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(socketFolder));
        PrivateDirectory.EnsureSocketFolder(Path.Combine(socketFolder, "abc.sock"), state);

        PrivateDirectory.EnsureSocketFolder(Path.Combine(state, "daemon.sock"), state);
        Assert.False(Directory.Exists(state));
    }

    [Fact]
    public void A_socket_folder_that_is_a_symlink_or_open_to_others_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var state = Path.Combine(_folder, "state");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_folder, "elsewhere"), OwnerOnly).FullName;
        var planted = Path.Combine(_folder, "planted");
        Directory.CreateSymbolicLink(planted, elsewhere);
        var error = Assert.Throws<BranchTasksException>(() => PrivateDirectory.EnsureSocketFolder(Path.Combine(planted, "abc.sock"), state));
        Assert.Equal(ErrorCodes.StateDirectoryNotPrivate, error.Code);
        Assert.Contains("symbolic link", error.Message);

        var open = Directory.CreateDirectory(Path.Combine(_folder, "open")).FullName;
        File.SetUnixFileMode(open, Loose);
        error = Assert.Throws<BranchTasksException>(() => PrivateDirectory.EnsureSocketFolder(Path.Combine(open, "abc.sock"), state));
        Assert.Equal(ErrorCodes.StateDirectoryNotPrivate, error.Code);
        Assert.Contains($"chmod 700 {open}", error.Message);
    }
}
