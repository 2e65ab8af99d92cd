using System.Diagnostics;

namespace BranchTasks.Core.Platform;

/// <summary>
/// A program to start, with its arguments, folder and changes to the environment it inherits: what every child
/// process BranchTasks starts is made of (see <see cref="ChildProcess"/>).
/// </summary>
/// <remarks>
/// Arguments are readable by every user of the machine (<c>ps</c>, <c>/proc/&lt;pid&gt;/cmdline</c>): a secret goes
/// through <see cref="Environment"/> or a 0600 file whose path is passed, never through <see cref="Arguments"/>.
/// </remarks>
public sealed record ProcessCommand(string FileName, IReadOnlyList<string> Arguments)
{
    private static readonly IReadOnlyDictionary<string, string?> NoChanges = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set in the inherited environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = NoChanges;

    public override string ToString() => FileName;

    /// <param name="redirect">Whether stdin, stdout and stderr are pipes to the caller (and no console window is made).</param>
    internal ProcessStartInfo StartInfo(bool redirect)
    {
        var info = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            CreateNoWindow = redirect,
            RedirectStandardInput = redirect,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
        };
        if (WorkingDirectory is not null)
        {
            info.WorkingDirectory = WorkingDirectory;
        }

        foreach (var argument in Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        return info;
    }
}
