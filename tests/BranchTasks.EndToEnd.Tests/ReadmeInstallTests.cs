using System.Text.RegularExpressions;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The README's `dotnet tool install` commands, taken from README.md itself so the test breaks when the README drifts,
/// run as typed on a fresh machine (an empty HOME: no NuGet configuration, no tools, no package cache): the one for
/// the clone inside this repository (whose nuget.config maps BranchTasks.* to artifacts/packages), the other outside
/// it with the clone at ~/branchtasks as the README says.
/// </summary>
public sealed class ReadmeInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-install-").FullName;

    [Fact]
    public async Task The_readme_install_commands_work_as_typed_in_the_clone_and_outside_it()
    {
        var commands = Regex.Matches(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md")), @"^dotnet tool install [^\r\n]*$", RegexOptions.Multiline)
            .Select(m => m.Value)
            .ToList();
        var inClone = Assert.Single(commands, c => !c.Contains("--add-source", StringComparison.Ordinal));
        var outside = Assert.Single(commands, c => c.Contains("--add-source", StringComparison.Ordinal));
        // What the packed tool itself says: the install must bring exactly that build.
        var expected = (await ProcessRunner.RunAsync("dotnet", ["exec", ExtractedTool(), "--version"], _root)).EnsureSuccess("packed tool --version").StandardOutput.Trim();

        Assert.Equal(expected, await InstallAndAskVersionAsync(inClone, RepositoryLayout.Root, "clone"));
        Assert.Equal(expected, await InstallAndAskVersionAsync(outside, Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName, "outside"));
    }

    /// <summary>Runs <paramref name="command"/> with sh in <paramref name="directory"/> for a user whose HOME is empty but for ~/branchtasks.</summary>
    private async Task<string> InstallAndAskVersionAsync(string command, string directory, string name)
    {
        var home = Directory.CreateDirectory(Path.Combine(_root, "home-" + name)).FullName;
        Directory.CreateSymbolicLink(Path.Combine(home, "branchtasks"), RepositoryLayout.Root);
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["NUGET_PACKAGES"] = Path.Combine(home, ".nuget", "packages"),
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        (await ProcessRunner.RunAsync("sh", ["-c", command], directory, environment, TimeSpan.FromMinutes(4))).EnsureSuccess($"`{command}` in {directory}");
        var installed = Path.Combine(home, ".dotnet", "tools", "branchtasks");
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            // linux-x64 gets the native build (BranchTasks.Tool.linux-x64), not the managed fallback.
            var store = Path.Combine(home, ".dotnet", "tools", ".store");
            Assert.Contains(Directory.GetFiles(store, "branchtasks", SearchOption.AllDirectories), f => f.Contains("branchtasks.tool.linux-x64", StringComparison.Ordinal));
            Assert.Empty(Directory.GetFiles(store, "branchtasks.dll", SearchOption.AllDirectories));
        }

        return (await ProcessRunner.RunAsync(installed, ["--version"], directory, environment)).EnsureSuccess("installed branchtasks --version").StandardOutput.Trim();
    }

    private string ExtractedTool()
    {
        // The managed build: BranchTasks.Tool.any (the fallback next to the native BranchTasks.Tool.linux-x64).
        var package = Directory.GetFiles(RepositoryLayout.Packages, "BranchTasks.Tool.any.*.nupkg").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException($"No BranchTasks.Tool package in {RepositoryLayout.Packages}. Run `./build.sh pack` first.");
        var folder = Path.Combine(_root, "expected");
        System.IO.Compression.ZipFile.ExtractToDirectory(package, folder);
        return Directory.GetFiles(folder, "branchtasks.dll", SearchOption.AllDirectories).Single();
    }

    public void Dispose()
    {
        try
        {
            // The links to the clone go first: a recursive delete must not follow them into the repository.
            foreach (var link in Directory.GetDirectories(_root, "home-*").Select(h => new FileInfo(Path.Combine(h, "branchtasks"))).Where(l => l.LinkTarget is not null))
            {
                link.Delete();
            }

            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
