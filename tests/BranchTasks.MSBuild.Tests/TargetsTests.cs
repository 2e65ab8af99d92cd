using System.Reflection;
using BranchTasks.Testing;
using Microsoft.Build.Definition;
using Microsoft.Build.Evaluation;
using Microsoft.Build.Execution;
using Microsoft.Build.Framework;

namespace BranchTasks.MSBuild.Tests;

/// <summary>
/// build/BranchTasks.targets as the SDK's MSBuild sees it: when the ensure step runs, and when it must not.
/// </summary>
[Collection(BuildManagerCollection.Name)]
public sealed class TargetsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-targets-").FullName;
    private readonly string _home;

    public TargetsTests()
    {
        _home = Path.Combine(_folder, "home");
        // Private like a state directory must be: the daemon refuses one other users can enter (BT0503).
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_home);
        }
        else
        {
            Directory.CreateDirectory(_home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var build = Path.Combine(RepositoryLayout.Root, "src", "BranchTasks.MSBuild", "build");
        File.WriteAllText(Path.Combine(_folder, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{build}/BranchTasks.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <_BranchTasksTaskAssemblyOverride>{Metadata("BranchTasksMSBuildOutput")}BranchTasks.MSBuild.dll</_BranchTasksTaskAssemblyOverride>
                <BranchTasksToolPath>{Metadata("BranchTasksToolOutput")}branchtasks.dll</BranchTasksToolPath>
              </PropertyGroup>
              <Import Project="{build}/BranchTasks.targets" />
            </Project>
            """);
    }

    [Fact]
    public void The_ensure_step_hangs_off_ComputeRunArguments_only()
    {
        using var collection = new ProjectCollection();
        var project = ProjectInstance.FromFile(Path.Combine(_folder, "app.csproj"), new ProjectOptions { ProjectCollection = collection });
        var ensure = project.Targets["BranchTasksEnsure"];
        Assert.Equal("ComputeRunArguments", ensure.BeforeTargets);
        Assert.Equal("", ensure.AfterTargets);
        // Nothing on the build path asks for it: `dotnet build` never starts a daemon.
        Assert.DoesNotContain(project.Targets.Values, t => t.DependsOnTargets.Contains("BranchTasksEnsure", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DesignTimeBuild", "true")]
    [InlineData("BranchTasksEnabled", "false")]
    public void Design_time_builds_and_disabled_projects_skip_the_ensure_step(string property, string value)
    {
        var (result, project, errors) = RunComputeRunArguments(new() { [property] = value });

        Assert.Equal(BuildResultCode.Success, result.OverallResult);
        Assert.Empty(errors);
        Assert.DoesNotContain("ConnectionStrings", project.GetPropertyValue("RunArguments"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_home));
    }

    [Fact]
    public void Otherwise_the_ensure_step_runs_and_reports_failures_as_BT_errors()
    {
        // The folder is no git repository and has no branchtasks.json: the step must run and say so.
        var (result, _, errors) = RunComputeRunArguments([]);

        Assert.Equal(BuildResultCode.Failure, result.OverallResult);
        var error = Assert.Single(errors);
        Assert.StartsWith("BT0", error.Code);
        Assert.Contains("branchtasks.json", error.Message);
        // The task ran in this process: it must not have pulled the SQL client or the core library into MSBuild.
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name is "MySqlConnector" or "BranchTasks.Core");
    }

    private (BuildResult Result, ProjectInstance Project, List<BuildErrorEventArgs> Errors) RunComputeRunArguments(Dictionary<string, string> properties)
    {
        var previousHome = Environment.GetEnvironmentVariable("BRANCHTASKS_HOME");
        Environment.SetEnvironmentVariable("BRANCHTASKS_HOME", _home);
        try
        {
            using var collection = new ProjectCollection(properties);
            var project = ProjectInstance.FromFile(Path.Combine(_folder, "app.csproj"), new ProjectOptions { ProjectCollection = collection, GlobalProperties = properties });
            var logger = new ErrorCollector();
            var parameters = new BuildParameters(collection) { Loggers = [logger], DisableInProcNode = false, EnableNodeReuse = false };
            var result = BuildManager.DefaultBuildManager.Build(parameters, new BuildRequestData(project, ["ComputeRunArguments"]));
            return (result, project, logger.Errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable("BRANCHTASKS_HOME", previousHome);
        }
    }

    private static string Metadata(string key) =>
        typeof(TargetsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public void Dispose()
    {
        // The failing run may have started a daemon for the empty home; it has nothing to hold and exits when idle.
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class ErrorCollector : ILogger
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];

        public LoggerVerbosity Verbosity { get; set; } = LoggerVerbosity.Quiet;

        public string? Parameters { get; set; }

        public void Initialize(IEventSource eventSource) => eventSource.ErrorRaised += (_, e) => Errors.Add(e);

        public void Shutdown()
        {
        }
    }
}
