using System.CommandLine;

namespace BranchTasks.Tool;

/// <summary>Options every verb understands.</summary>
public sealed class GlobalOptions
{
    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Show details, including stack traces of unexpected failures.", Recursive = true };

    public Option<DirectoryInfo?> ProjectDirectory { get; } = new("--project-dir", "-C") { Description = "Act for this folder instead of the current one.", Recursive = true };

    public Option<FileInfo?> Config { get; } = new("--config") { Description = "Use this branchtasks.json instead of the one found by walking up from the folder.", Recursive = true };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Verbose);
        root.Options.Add(ProjectDirectory);
        root.Options.Add(Config);
    }
}
