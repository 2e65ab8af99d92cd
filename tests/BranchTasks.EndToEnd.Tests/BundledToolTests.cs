using System.Runtime.InteropServices;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The BranchTasks package carries the tool twice, native (linux-x64) and managed: `dotnet run` starts the daemon
/// with the native one where it runs, and with the managed one when told to (BRANCHTASKS_MANAGED_TOOL=1, or
/// -p:BranchTasksUseNativeTool=false) or where no native build fits.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class BundledToolTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_starts_the_daemon_from_the_native_tool_on_linux_x64_and_from_the_managed_one_when_told()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "bundled" }""");
        var app = Path.Combine(repo.Path, "app");
        var bundled = Path.Combine(product.PackagesFolder, "branchtasks") + Path.DirectorySeparatorChar;
        var native = product.NewHome();
        var managed = product.NewHome();
        var managedByProperty = product.NewHome();
        try
        {
            var run = (await product.DotnetAsync(app, product.Environment(native), AppOutput.RunArguments(null))).EnsureSuccess("dotnet run");
            Assert.Equal("bundled_main", AppOutput.Parse(run.StandardOutput).Database);
            var daemon = Daemon(native);
            if (RuntimeInformation.OSArchitecture == Architecture.X64)
            {
                Assert.StartsWith(bundled, daemon.Executable);
                Assert.EndsWith("/tools/branchtasks-linux-x64/branchtasks", daemon.Executable);
            }
            else
            {
                Assert.Equal("dotnet", Path.GetFileName(daemon.Executable));
            }

            var forced = product.Environment(managed);
            forced["BRANCHTASKS_MANAGED_TOOL"] = "1";
            run = (await product.DotnetAsync(app, forced, AppOutput.RunArguments(null))).EnsureSuccess("dotnet run, managed tool forced");
            Assert.Equal("bundled_main", AppOutput.Parse(run.StandardOutput).Database);
            daemon = Daemon(managed);
            Assert.Equal("dotnet", Path.GetFileName(daemon.Executable));
            Assert.Contains(bundled, daemon.CommandLine);
            Assert.Contains("/tools/branchtasks/branchtasks.dll", daemon.CommandLine);

            run = (await product.DotnetAsync(app, product.Environment(managedByProperty), "run", "-p:BranchTasksUseNativeTool=false", "--", "--Sample:ReadOnly=true")).EnsureSuccess("dotnet run -p:BranchTasksUseNativeTool=false");
            Assert.Equal("bundled_main", AppOutput.Parse(run.StandardOutput).Database);
            Assert.Equal("dotnet", Path.GetFileName(Daemon(managedByProperty).Executable));
        }
        finally
        {
            await product.StopAsync(native);
            await product.StopAsync(managed);
            await product.StopAsync(managedByProperty);
        }
    }

    private static (string Executable, string CommandLine) Daemon(string home)
    {
        var pid = File.ReadAllText(Path.Combine(home, "daemon.pid")).Trim();
        var executable = new FileInfo($"/proc/{pid}/exe").LinkTarget ?? "";
        var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        return (executable, commandLine);
    }
}
