using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Git;

/// <summary>
/// Which repository a work tree belongs to, the same in every clone: the root commit at the end of HEAD's
/// first-parent chain. A repository without a commit yet (or where git cannot answer) is known only by where
/// it is (<see cref="LocalId"/>); branches recorded under that are claimed for the root commit once there is one.
/// </summary>
/// <param name="RootCommit">The root commit's id, or null when unknown.</param>
/// <param name="LocalId">A stand-in derived from the repository's git dir path on this machine.</param>
/// <param name="Location">The work tree root, told to users to say which repository owns something.</param>
public sealed record RepositoryIdentity(string? RootCommit, string LocalId, string Location)
{
    private const string LocalPrefix = "path:";

    // Root commits do not change, and finding one costs a git process: once per repository per daemon.
    private static readonly ConcurrentDictionary<string, string> RootCommits = new(StringComparer.Ordinal);

    /// <summary>What branches made now are recorded under.</summary>
    public string Id => RootCommit ?? LocalId;

    /// <summary>Whether a record made under <paramref name="recorded"/> belongs to this repository (a stand-in id of this very path included).</summary>
    public bool Matches(string recorded) =>
        string.Equals(recorded, Id, StringComparison.Ordinal) || string.Equals(recorded, LocalId, StringComparison.Ordinal);

    /// <summary>A short, readable form of a recorded id for messages.</summary>
    public static string Describe(string recorded) =>
        recorded.StartsWith(LocalPrefix, StringComparison.Ordinal) ? "a repository without commits" : $"the repository with root commit {recorded[..Math.Min(12, recorded.Length)]}";

    public static RepositoryIdentity Of(GitHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var commonDir = Path.GetFullPath(head.CommonDir);
        var localId = LocalPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commonDir)))[..32];
        if (!RootCommits.TryGetValue(commonDir, out var root) && head.Commit is not null)
        {
            root = FindRootCommit(head.WorkTreeRoot);
            if (root is not null)
            {
                RootCommits[commonDir] = root;
            }
        }

        return new RepositoryIdentity(root, localId, head.WorkTreeRoot);
    }

    // A daemon started from a git hook inherits the hook's repository variables; they would point git elsewhere.
    private static readonly string[] RepositoryVariables = ["GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"];

    private static string? FindRootCommit(string workTree)
    {
        try
        {
            var command = new ProcessCommand("git", ["-C", workTree, "rev-list", "--max-parents=0", "--first-parent", "HEAD"])
            {
                Environment = RepositoryVariables.ToDictionary(name => name, _ => (string?)null),
            };
            var result = ChildProcess.RunAsync(command, new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(10) }, CancellationToken.None).GetAwaiter().GetResult();
            var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            return result.ExitCode == 0 && line is { Length: 40 or 64 } && line.All(Uri.IsHexDigit) ? line.ToLowerInvariant() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on PATH: the repository is known by its location only.
            return null;
        }
    }
}
