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
}
