using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BranchTasks.MSBuild;

/// <summary>
/// The few lines a developer must see on `dotnet run`: which database the app is on, and what a long wait is for.
/// The SDK computes the run arguments (where the ensure step runs) with a logger that shows only warnings and errors,
/// at every verbosity (`dotnet run -v:n` included), so a build message of any importance never reaches the terminal.
/// These lines therefore go to the console's standard error (the app's standard output stays its own), and to the
/// build log at low importance for binlogs.
/// </summary>
internal sealed class RunConsole(TaskLoggingHelper log)
{
    public const string Prefix = "BranchTasks: ";

    public void Line(string text)
    {
        var line = Prefix + text;
        log.LogMessage(MessageImportance.Low, line);
        try
        {
            Console.Error.WriteLine(line);
        }
        catch (IOException)
        {
            // A reused MSBuild node whose console is gone: the build log has the line.
        }
    }
}
