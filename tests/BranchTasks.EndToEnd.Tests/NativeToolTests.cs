using System.Runtime.InteropServices;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The BranchTasks package bundles a native (NativeAOT) build of the tool beside the managed one: on linux-x64 with
/// glibc 2.34 or newer the daemon `dotnet run` starts is that executable; without it, the managed tool as before.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class NativeToolTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_starts_the_native_daemon_bundled_in_the_package_on_linux_x64()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return; // Elsewhere the package's managed tool runs (the fallback test below covers it). Debian 12 has glibc 2.36.
        }

        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "native" }""");
        var home = product.NewHome();
        try
        {
            var run = (await product.DotnetAsync(Path.Combine(repo.Path, "app"), product.Environment(home), AppOutput.RunArguments(null))).EnsureSuccess("dotnet run");
            Assert.Equal("native_main", AppOutput.Parse(run.StandardOutput).Database);

            var executable = DaemonExecutable(home);
            // The package's own copy in the NuGet folder, tools/branchtasks/branchtasks: no dotnet host in between.
            Assert.Equal(NativeFileName, Path.GetFileName(executable));
            Assert.StartsWith(Path.GetFullPath(product.PackagesFolder), executable, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(executable)!, "branchtasks.dll")), "the managed tool is beside it");

            // And it serves the CLI like the managed tool: the same status, from the native daemon.
            var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, product.Environment(home), "status", "--json")).EnsureSuccess("status"));
            Assert.True(status.GetProperty("running").GetBoolean());
            Assert.Equal(DaemonProcessId(home), status.GetProperty("processId").GetInt32());
        }
        finally
        {
            await product.StopAsync(home);
        }
    }

    [Fact]
    public async Task Without_the_native_file_dotnet_run_starts_the_managed_daemon()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Reads /proc.
        }

        // The package's tool without its native build: what every platform but linux-x64 gets.
        var tool = Path.Combine(product.Root, "managed-only-tool");
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(product.ToolPath)!))
        {
            if (Path.GetFileName(file) != NativeFileName)
            {
                Directory.CreateDirectory(tool);
                File.Copy(file, Path.Combine(tool, Path.GetFileName(file)), overwrite: true);
            }
        }

        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "managed" }""");
        var home = product.NewHome();
        try
        {
            var run = (await product.DotnetAsync(
                Path.Combine(repo.Path, "app"),
                product.Environment(home),
                [.. AppOutput.RunArguments(null).Take(1), $"-p:BranchTasksToolPath={Path.Combine(tool, "branchtasks.dll")}", .. AppOutput.RunArguments(null).Skip(1)])).EnsureSuccess("dotnet run");
            Assert.Equal("managed_main", AppOutput.Parse(run.StandardOutput).Database);

            var executable = DaemonExecutable(home);
            Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(executable));
            Assert.Contains(Path.Combine(tool, "branchtasks.dll"), File.ReadAllText($"/proc/{DaemonProcessId(home)}/cmdline").Split('\0'));
        }
        finally
        {
            await product.StopAsync(home);
        }
    }

    private const string NativeFileName = "branchtasks";

    private static int DaemonProcessId(string home) =>
        int.Parse(File.ReadAllText(Path.Combine(home, "daemon.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The program the daemon process runs (/proc/pid/exe).</summary>
    private static string DaemonExecutable(string home) =>
        new FileInfo($"/proc/{DaemonProcessId(home)}/exe").LinkTarget ?? throw new InvalidOperationException("no /proc/pid/exe");
}
