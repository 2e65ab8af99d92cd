namespace BranchTasks.MSBuild;

/// <summary>What the app is started with on `dotnet run` / `dotnet watch` once the ensure step has its connection string.</summary>
/// <param name="RunCommand">The new RunCommand, or null to keep the project's.</param>
/// <param name="RunArguments">The new RunArguments, or null to keep the project's.</param>
/// <param name="ScriptWords">Unix: the words of the run script (<see cref="RunScript"/>) that becomes the RunCommand; else null.</param>
internal sealed record AppLaunch(string? RunCommand, string? RunArguments, IReadOnlyList<string>? ScriptWords)
{
    /// <summary>
    /// The one rule for handing the app its connection string without losing anything the run already has.
    /// `dotnet run` gives the app a launch profile's commandLineArgs only when RunArguments and the arguments after
    /// its separator are both empty, so the connection string must not make an empty RunArguments non-empty: on Unix
    /// the run command becomes a generated sh script that execs the app with the string and the run's own arguments.
    /// When the project's RunArguments are not empty, `dotnet run` ignores a profile's arguments anyway, and appending
    /// ours changes nothing. With a password in the string (token mode, <paramref name="connectionStringFile"/> set)
    /// no process's arguments may carry it: the app starts through a launcher that reads the 0600 file into the
    /// environment variable ConnectionStrings__&lt;name&gt; (read by Host/WebApplication with no code) — on Unix the
    /// POSIX sh launcher, exec'd by the run script (same pid); on Windows, and for a connection name that is no shell
    /// variable name, the tool's `launch` verb, which runs the app as its child (a launch profile's commandLineArgs
    /// are then not applied: RunArguments cannot stay empty).
    /// </summary>
    public static AppLaunch For(AppLaunchInputs inputs, string connectionName, string connectionString, string? connectionStringFile)
    {
        if (string.IsNullOrEmpty(connectionStringFile))
        {
            var argument = "--ConnectionStrings:" + connectionName + "=" + connectionString;
            return inputs.Unix && inputs.RunArguments.Trim().Length == 0
                ? new AppLaunch(null, null, [inputs.RunCommand, argument])
                : new AppLaunch(null, inputs.RunArguments + " \"" + argument + "\"", null);
        }

        var variable = "ConnectionStrings__" + connectionName;
        if (inputs.Unix && IsShellVariableName(variable))
        {
            return new AppLaunch(null, null, ["/bin/sh", inputs.LaunchScript, connectionStringFile!, variable, inputs.RunCommand]);
        }

        return new AppLaunch(
            inputs.DotNetHost,
            $"exec \"{inputs.ToolPath}\" launch --env-file \"{connectionStringFile}\" --var \"{variable}\" -- \"{inputs.RunCommand}\" {inputs.RunArguments}",
            null);
    }

    private static bool IsShellVariableName(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or '_' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                return false;
            }
        }

        return name.Length > 0;
    }
}

/// <summary>The run as the project has it, and where BranchTasks' own launch pieces are.</summary>
/// <param name="Unix">Not Windows: the run script and the sh launcher can be used.</param>
/// <param name="DotNetHost">The dotnet host that runs the tool's `launch` verb.</param>
/// <param name="ToolPath">The bundled tool's branchtasks.dll.</param>
/// <param name="LaunchScript">The package's BranchTasks.launch.sh.</param>
internal sealed record AppLaunchInputs(bool Unix, string RunCommand, string RunArguments, string DotNetHost, string ToolPath, string LaunchScript);
