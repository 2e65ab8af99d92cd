using System.IO.Compression;
using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The packed product as a user gets it: the BranchTasks package from artifacts/packages, its bundled
/// tool, one BranchTasks home (daemon and private server) shared by the tests of a collection, and a
/// NuGet folder of our own so a re-packed version is never served stale from a cache.
/// </summary>
public sealed class ProductFixture : IAsyncLifetime
{
    private readonly List<string> _homes = [];

    public ProductFixture()
    {
        Root = Directory.CreateTempSubdirectory("bt-e2e-").FullName;
        Home = NewHome();
        PackagesFolder = Path.Combine(RepositoryLayout.Root, "artifacts", "test-packages");
        var package = Directory.Exists(RepositoryLayout.Packages)
            ? Directory.GetFiles(RepositoryLayout.Packages, "BranchTasks.*.nupkg").Where(p => IsMainPackage(p)).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        PackagePath = package ?? throw new InvalidOperationException(
            $"No BranchTasks package in {RepositoryLayout.Packages}. Run the tests with `./build.sh test`, which packs first.");
        ToolPath = ExtractTool(PackagePath, Path.Combine(Root, "tool"));
    }

    public string Root { get; }

    /// <summary>The BRANCHTASKS_HOME shared by the collection's tests.</summary>
    public string Home { get; }

    public string PackagesFolder { get; }

    public string PackagePath { get; }

    /// <summary>branchtasks.dll as bundled in the BranchTasks package.</summary>
    public string ToolPath { get; }

    public Task InitializeAsync()
    {
        // A package of the same version packed again must not be served from the cache.
        if (Directory.Exists(PackagesFolder))
        {
            foreach (var stale in Directory.GetDirectories(PackagesFolder, "branchtasks*"))
            {
                Directory.Delete(stale, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A fresh, empty BranchTasks home (its own daemon and server), cleaned up with the fixture.</summary>
    public string NewHome()
    {
        var home = Path.Combine(Root, "home" + _homes.Count);
        // Private like a state directory must be: the tool refuses one other users can enter (BT0503).
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(home);
        }
        else
        {
            Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _homes.Add(home);
        return home;
    }

    public Dictionary<string, string?> Environment(string? home = null, string? branch = null) => new()
    {
        ["BRANCHTASKS_HOME"] = home ?? Home,
        ["BRANCHTASKS_BRANCH"] = branch,
        ["NUGET_PACKAGES"] = PackagesFolder,
        // Tests end their daemons themselves; this only bounds what a crashed run leaves behind.
        ["BRANCHTASKS_DAEMON_IDLE_TIMEOUT"] = "900",
    };

    public Task<ProcessResult> ToolAsync(string workingDirectory, params string[] arguments) =>
        ToolAsync(workingDirectory, Environment(), arguments);

    public Task<ProcessResult> ToolAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", ["exec", ToolPath, .. arguments], workingDirectory, environment, TimeSpan.FromMinutes(3));

    public Task<ProcessResult> DotnetAsync(string workingDirectory, params string[] arguments) =>
        DotnetAsync(workingDirectory, Environment(), arguments);

    public Task<ProcessResult> DotnetAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", arguments, workingDirectory, environment, TimeSpan.FromMinutes(5));

    /// <summary>A new git repository holding the shop sample app, wired to our packages, with <paramref name="config"/> as its branchtasks.json.</summary>
    public TempGitRepository CreateAppRepository(string config)
    {
        var repo = TempGitRepository.Create();
        var sample = Path.Combine(RepositoryLayout.Samples, "ShopSample");
        repo.WriteFile("app/Program.cs", File.ReadAllText(Path.Combine(sample, "Program.cs")));
        repo.WriteFile("app/ShopSample.csproj", File.ReadAllText(Path.Combine(sample, "ShopSample.csproj")));
        repo.WriteFile("nuget.config", NugetConfig());
        repo.WriteFile(".gitignore", "bin/\nobj/\n");
        repo.WriteFile("branchtasks.json", config);
        repo.Commit("app");
        return repo;
    }

    /// <summary>
    /// A new git repository holding the EF Core sample (samples/ShopApi and samples/ShopApi.Tests, as ShopApi/ and
    /// ShopApi.Tests/), wired to our packages; its branchtasks.json is the sample's (database "shopapi").
    /// </summary>
    public TempGitRepository CreateApiRepository()
    {
        var repo = TempGitRepository.Create();
        foreach (var project in new[] { "ShopApi", "ShopApi.Tests" })
        {
            var source = Path.Combine(RepositoryLayout.Samples, project);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(source, file);
                var top = relative.Split(Path.DirectorySeparatorChar)[0];
                if (top is "bin" or "obj")
                {
                    continue;
                }

                repo.WriteFile(Path.Combine(project, relative), File.ReadAllText(file));
            }
        }

        repo.WriteFile("nuget.config", NugetConfig());
        repo.WriteFile(".gitignore", "bin/\nobj/\n");
        repo.Commit("api");
        return repo;
    }

    /// <summary>Stops the daemon and the private server of <paramref name="home"/>, if any: what a test started, it stops.</summary>
    public async Task StopAsync(string home)
    {
        if (Directory.Exists(Path.Combine(home, "local")) || File.Exists(Path.Combine(home, "daemon.pid")))
        {
            var environment = Environment(home);
            await ProcessRunner.RunAsync("dotnet", ["exec", ToolPath, "server", "stop"], Root, environment, TimeSpan.FromMinutes(1));
            await ProcessRunner.RunAsync("dotnet", ["exec", ToolPath, "down", "--all"], Root, environment, TimeSpan.FromMinutes(1));
        }
    }

    private static string NugetConfig() => $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="branchtasks-local" value="{RepositoryLayout.Packages}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="branchtasks-local"><package pattern="BranchTasks" /><package pattern="BranchTasks.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """;

    public static JsonElement ParseJson(ProcessResult result)
    {
        try
        {
            return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Not JSON ({e.Message}).\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var home in _homes)
        {
            var environment = Environment(home);
            if (Directory.Exists(Path.Combine(home, "local")) || File.Exists(Path.Combine(home, "daemon.pid")))
            {
                await ProcessRunner.RunAsync("dotnet", ["exec", ToolPath, "server", "stop"], Root, environment, TimeSpan.FromMinutes(1));
                await ProcessRunner.RunAsync("dotnet", ["exec", ToolPath, "down", "--all"], Root, environment, TimeSpan.FromMinutes(1));
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing its files; the temp folder is the OS's to clean.
        }
    }

    private static bool IsMainPackage(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        // BranchTasks.0.1.2-alpha, not BranchTasks.Tool.0.1.2-alpha.
        return name.Length > "BranchTasks.".Length && char.IsDigit(name["BranchTasks.".Length]);
    }

    private static string ExtractTool(string package, string destination)
    {
        using var archive = ZipFile.OpenRead(package);
        foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith("tools/branchtasks/", StringComparison.Ordinal) && e.Name.Length > 0))
        {
            var target = Path.Combine(destination, entry.FullName["tools/branchtasks/".Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
        }

        return Path.Combine(destination, "branchtasks.dll");
    }
}

[CollectionDefinition(Name)]
public sealed class ProductCollection : ICollectionFixture<ProductFixture>
{
    public const string Name = "product";
}
