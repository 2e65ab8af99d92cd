using System.Diagnostics;
using System.Runtime.InteropServices;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class ToolCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-toolcommand-").FullName;

    private string Dll => Path.Combine(_folder, "branchtasks.dll");

    private string Native => Path.Combine(_folder, ToolCommand.NativeFileName);

    public ToolCommandTests() => File.WriteAllText(Dll, "");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static bool LinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    [Fact]
    public void Without_a_native_file_the_managed_tool_runs_through_dotnet_exec()
    {
        var command = ToolCommand.ForManaged(Dll, "/usr/bin/dotnet");

        Assert.Null(command.Native);
        Assert.Equal(["/usr/bin/dotnet", "exec", Dll], command.Preferred);
    }

    [Fact]
    public void On_linux_x64_the_native_file_beside_the_dll_is_preferred_and_given_its_execute_bit()
    {
        if (!OperatingSystem.IsLinux() || !LinuxX64)
        {
            return;
        }

        Assert.True(ToolCommand.PlatformRunsNative(), "Debian 12 (glibc 2.36) runs the native tool");
        // As NuGet extracts it: no execute bit.
        File.WriteAllText(Native, "");
        File.SetUnixFileMode(Native, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var command = ToolCommand.ForManaged(Dll, "dotnet");

        Assert.Equal([Native], command.Native);
        Assert.Equal([Native], command.Preferred);
        Assert.Equal(["dotnet", "exec", Dll], command.Fallback);
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(Native));
    }

    [Fact]
    public async Task A_native_file_that_cannot_be_executed_falls_back_to_the_managed_tool()
    {
        if (!OperatingSystem.IsLinux() || !LinuxX64)
        {
            return;
        }

        // Neither ELF nor script: execve fails (ENOEXEC), as a binary for another libc or machine would.
        File.WriteAllBytes(Native, [0x7F, 0x45, 0x4C, 0x46, 0, 0, 0, 0]);
        File.SetUnixFileMode(Native, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var command = ToolCommand.ForManaged(Dll, "/bin/sh");
        Assert.NotNull(command.Native);

        var started = command.Run(Start);
        var startedAsync = await command.RunAsync(c => Task.FromResult(Start(c)));

        // `/bin/sh exec <dll>`: the fallback ran (sh fails on the empty file, but it was started).
        Assert.Equal(command.Fallback, started);
        Assert.Equal(command.Fallback, startedAsync);
    }

    private static IReadOnlyList<string> Start(IReadOnlyList<string> command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        return command;
    }
}
