using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.State;

public sealed class StateDirectoryTests
{
    [Fact]
    public void The_override_wins_and_the_default_is_per_user()
    {
        Assert.Equal("/x/y", StateDirectory.ResolveRoot("/x/y"));
        var fallback = StateDirectory.ResolveRoot(null);
        Assert.Contains(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), fallback);
    }

    [Fact]
    public void Private_files_and_folders_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var root = Directory.CreateTempSubdirectory("bt-state-").FullName;
        try
        {
            var state = new StateDirectory(Path.Combine(root, "home"));
            var folder = state.EnsureDirectory("local");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            var file = state.PathOf("local/secret.json");
            StateDirectory.WritePrivateFile(file, "{\"password\":\"x\"}");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            StateDirectory.WritePrivateFile(file, "{}");
            Assert.Equal("{}", File.ReadAllText(file));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_state_directory_others_can_enter_that_the_tool_did_not_make_is_refused_with_BT0503()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var root = Directory.CreateTempSubdirectory("bt-state-").FullName;
        try
        {
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            var state = new StateDirectory(root);
            var error = Assert.Throws<BranchTasks.Core.Errors.BranchTasksException>(() => state.EnsureDirectory("local"));
            Assert.Equal(BranchTasks.Core.Errors.ErrorCodes.StateDirectoryNotPrivate, error.Code);
            Assert.Contains(root, error.Message);
            Assert.False(Directory.Exists(state.PathOf("local")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
