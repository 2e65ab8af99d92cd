using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Mapping;

/// <summary>
/// Derives database branch names (PlanetScale's lowercase <c>[a-z0-9-]</c>) and physical database names
/// (MySQL identifiers) from git branch names. Any lossy step adds a hash of the original, so two different
/// git branches never silently share a database.
/// </summary>
public static partial class BranchNames
{
    /// <summary>Longest database branch name we produce; leaves room in the 64-char physical name for the project prefix.</summary>
    public const int MaxBranchLength = 48;

    /// <summary>MySQL's identifier limit.</summary>
    public const int MaxDatabaseLength = 64;

    /// <summary>A database branch name (PlanetScale's rule); also the schema's pattern for <c>map</c> values and <c>protected</c>.</summary>
    public const string BranchPattern = "^[a-z0-9][a-z0-9-]*$";

    /// <summary>
    /// A project database name (the config's <c>database</c>). It starts every physical database name, which MySQL
    /// caps at 64 characters, and has no '-', so the project/branch join stays unambiguous.
    /// </summary>
    public const string ProjectPattern = "^[A-Za-z][A-Za-z0-9_]{0,31}$";

    private const string FallbackName = "branch";

    /// <summary>True when <paramref name="name"/> is a valid database branch name.</summary>
    public static bool IsValidBranchName(string name) =>
        name.Length is > 0 and <= MaxBranchLength && BranchNameRegex().IsMatch(name);

    /// <summary>The database branch name for git branch <paramref name="gitBranch"/> when no <c>map</c> rule matches.</summary>
    public static string ToBranchName(string gitBranch)
    {
        ArgumentNullException.ThrowIfNull(gitBranch);

        var derived = Sanitize(gitBranch);
        // A lossless name that already ends like a hash could equal another branch's hashed name; hash it too.
        var needsHash = derived != gitBranch || ShortHash.LooksHashed(derived, '-') || derived.Length > MaxBranchLength;
        if (!needsHash)
        {
            return derived;
        }

        var suffix = "-" + ShortHash.Of(gitBranch);
        var baseLength = MaxBranchLength - suffix.Length;
        var truncated = derived.Length > baseLength ? derived[..baseLength].TrimEnd('-') : derived;
        return truncated + suffix;
    }

    /// <summary>The physical database name of <paramref name="branch"/> in project <paramref name="project"/>.</summary>
    /// <param name="prefix">Put before everything (a shared server's per-developer prefix, lowercase [a-z0-9_]).</param>
    public static string ToDatabaseName(string project, string branch, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(branch);
        if (!IsValidProjectName(project))
        {
            throw new BranchTasksException(
                ErrorCodes.InvalidArgument,
                $"'{project}' is not a valid project database name. Use 1-32 letters, digits and '_', starting with a letter.");
        }

        if (!IsValidBranchName(branch))
        {
            throw InvalidBranch(branch);
        }

        // '-' never occurs in a project name and '_' never in a branch name, so this join is unambiguous.
        var full = prefix + project.ToLowerInvariant() + "_" + branch.Replace('-', '_');
        if (full.Length <= MaxDatabaseLength)
        {
            return full;
        }

        var suffix = "_" + ShortHash.Of(full);
        return full[..(MaxDatabaseLength - suffix.Length)] + suffix;
    }

    public static bool IsValidProjectName(string name) => ProjectNameRegex().IsMatch(name);

    internal static BranchTasksException InvalidBranch(string branch) =>
        new(ErrorCodes.InvalidBranchName,
            $"'{branch}' is not a valid database branch name. Use 1-{MaxBranchLength} lowercase letters, digits and '-', starting with a letter or digit (for example '{ToBranchName(branch)}').");

    /// <summary>The name with only the lossy character mapping (no hash, no length limit); for suggestions in messages.</summary>
    internal static string Sanitize(string gitBranch)
    {
        var builder = new StringBuilder(gitBranch.Length);
        var pendingDash = false;
        foreach (var c in gitBranch.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                // A diacritic split off by FormD: dropping it maps 'ü' to 'u'.
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            if (char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower))
            {
                if (pendingDash && builder.Length > 0)
                {
                    builder.Append('-');
                }

                pendingDash = false;
                builder.Append(lower);
            }
            else
            {
                pendingDash = true;
            }
        }

        return builder.Length == 0 ? FallbackName : builder.ToString();
    }

    [GeneratedRegex(BranchPattern, RegexOptions.CultureInvariant)]
    private static partial Regex BranchNameRegex();

    [GeneratedRegex(ProjectPattern, RegexOptions.CultureInvariant)]
    private static partial Regex ProjectNameRegex();
}
