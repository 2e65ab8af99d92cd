using System.Text;
using System.Text.RegularExpressions;

namespace BranchTasks.Core.Mapping;

/// <summary>
/// A git branch glob from <c>map</c>: <c>*</c> is any run of characters but <c>/</c>, <c>**</c> anything
/// including <c>/</c>, <c>?</c> one character but <c>/</c>; everything else is literal and case-sensitive,
/// like git branch names.
/// </summary>
public sealed class GlobPattern
{
    private readonly Regex _regex;

    public GlobPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        // NonBacktracking: several stars against a long branch name must not blow up.
        _regex = new Regex(ToRegex(pattern), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    public string Pattern { get; }

    public bool IsMatch(string gitBranch) => _regex.IsMatch(gitBranch);

    public override string ToString() => Pattern;

    private static string ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                builder.Append(".*");
                while (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                }
            }
            else if (c == '*')
            {
                builder.Append("[^/]*");
            }
            else if (c == '?')
            {
                builder.Append("[^/]");
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }

        return builder.Append('$').ToString();
    }
}
