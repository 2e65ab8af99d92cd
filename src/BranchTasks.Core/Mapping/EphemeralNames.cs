using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace BranchTasks.Core.Mapping;

/// <summary>
/// Names of throw-away branches (`exec --ephemeral`): <c>&lt;source&gt;-tmp-&lt;8 random hex&gt;</c>. Derivation from a git
/// branch name never yields one: a derived name ending in '-' and 8 hex characters gets a hash suffix appended
/// (<see cref="BranchNames.ToBranchName"/>), so the pattern alone tells a throw-away branch from a git branch's.
/// </summary>
public static partial class EphemeralNames
{
    public const string Marker = "-tmp-";

    /// <summary>A fresh name for a throw-away copy of <paramref name="sourceBranch"/>, within <see cref="BranchNames.MaxBranchLength"/>.</summary>
    public static string For(string sourceBranch)
    {
        ArgumentNullException.ThrowIfNull(sourceBranch);
        var suffix = Marker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(ShortHash.Length / 2));
        var room = BranchNames.MaxBranchLength - suffix.Length;
        var stem = sourceBranch.Length > room ? sourceBranch[..room].TrimEnd('-') : sourceBranch;
        return stem + suffix;
    }

    public static bool IsEphemeral(string branch) => Pattern().IsMatch(branch);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*-tmp-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
