namespace BranchTasks.Core.Git;

/// <summary>Git's rules for a branch name (<c>git check-ref-format --branch</c>), checked without starting git.</summary>
public static class GitRefNames
{
    public static bool IsValidBranchName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name == "@" || name[0] is '-' or '/' || name[^1] is '/' or '.')
        {
            return false;
        }

        if (name.Contains("..", StringComparison.Ordinal) || name.Contains("@{", StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal))
        {
            return false;
        }

        if (name.Any(c => c < 0x20 || c == 0x7f || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
        {
            return false;
        }

        return name.Split('/').All(part => part[0] != '.' && !part.EndsWith(".lock", StringComparison.Ordinal));
    }
}
