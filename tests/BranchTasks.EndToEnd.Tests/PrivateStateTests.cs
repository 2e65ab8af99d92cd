namespace BranchTasks.EndToEnd.Tests;

/// <summary>The bundled tool refuses a state directory other users can enter, with one clear error.</summary>
[Collection(ProductCollection.Name)]
public sealed class PrivateStateTests(ProductFixture product)
{
    [Fact]
    public async Task A_state_directory_others_can_enter_gives_BT0503_from_up_and_from_daemon_run()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var home = product.NewHome();
        File.SetUnixFileMode(home, File.GetUnixFileMode(home) | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "loose" }""");
        var environment = product.Environment(home);

        foreach (var arguments in new[] { new[] { "up" }, new[] { "daemon", "run" } })
        {
            var result = await product.ToolAsync(repo.Path, environment, arguments);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("error BT0503", result.StandardError);
            Assert.Contains($"chmod 700 {home}", result.StandardError);
            Assert.DoesNotContain("   at ", result.StandardError);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(home));
    }
}
