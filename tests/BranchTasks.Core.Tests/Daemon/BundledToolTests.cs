using System.Runtime.InteropServices;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Core.Tests.Daemon;

/// <summary>Which of the BranchTasks package's two tools a front end starts, and the managed one behind a native one that cannot start.</summary>
public sealed class BundledToolTests : IDisposable
{
    private readonly string _tools = Directory.CreateTempSubdirectory("bt-bundled-").FullName;

    private string Managed => Path.Combine(_tools, "branchtasks", "branchtasks.dll");

    private string Native => Path.Combine(_tools, BundledTool.NativeFolder, "branchtasks");

    private static bool LinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    public BundledToolTests()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Managed)!);
        File.WriteAllText(Managed, "");
    }

    [Fact]
    public void This_linux_x64_machine_runs_the_native_build()
    {
        Assert.Equal(LinuxX64, BundledTool.MachineRunsNative());
    }

    [Fact]
    public void The_native_build_beside_the_managed_one_is_started_where_it_runs_and_dotnet_exec_otherwise()
    {
        Assert.Equal(["dotnet", "exec", Managed], BundledTool.Command(Managed, "dotnet"));
        WriteNative(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(LinuxX64 ? [Native] : ["dotnet", "exec", Managed], BundledTool.Command(Managed, "dotnet"));
        Assert.Equal(["dotnet", "exec", Managed], BundledTool.Command(Managed, "dotnet", allowNative: false));
    }

    [Fact]
    public void A_native_build_restored_without_its_execute_bit_is_made_executable()
    {
        if (!OperatingSystem.IsLinux() || !LinuxX64)
        {
            return;
        }

        // What NuGet leaves: no file modes kept from the package.
        WriteNative(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(Native, BundledTool.NativeFor(Managed));
        Assert.True((File.GetUnixFileMode(Native) & UnixFileMode.UserExecute) != 0);
    }

    [Fact]
    public void The_managed_variable_forces_the_managed_build()
    {
        WriteNative(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = Environment.GetEnvironmentVariable(BundledTool.ManagedVariable);
        try
        {
            Environment.SetEnvironmentVariable(BundledTool.ManagedVariable, "1");
            Assert.Null(BundledTool.NativeFor(Managed));
            Environment.SetEnvironmentVariable(BundledTool.ManagedVariable, "true");
            Assert.Null(BundledTool.NativeFor(Managed));
            Environment.SetEnvironmentVariable(BundledTool.ManagedVariable, "0");
            Assert.Equal(LinuxX64 ? Native : null, BundledTool.NativeFor(Managed));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BundledTool.ManagedVariable, before);
        }
    }

    [Fact]
    public async Task A_tool_that_cannot_be_started_falls_back_to_the_managed_command()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A native build that cannot start (missing, or not a program for this machine); the fallback answers in up --json's shape.
        WriteNative(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var fallback = new[] { "/bin/sh", "-c", """echo '{"error":{"code":"BT0000","message":"the fallback answered"}}'""" };
        var request = new DaemonRequest { Op = DaemonOps.Ensure, Directory = _tools };

        var response = await ToolUp.RunAsync([Path.Combine(_tools, "missing", "branchtasks")], request, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, CancellationToken.None, fallback);

        Assert.False(response.Ok);
        Assert.Equal("the fallback answered", response.Error?.Message);
        await Assert.ThrowsAsync<System.ComponentModel.Win32Exception>(() =>
            ToolUp.RunAsync([Path.Combine(_tools, "missing", "branchtasks")], request, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, CancellationToken.None));
    }

    private void WriteNative(UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Native)!);
        File.WriteAllText(Native, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Native, mode);
        }
    }

    public void Dispose() => Directory.Delete(_tools, recursive: true);
}
