namespace BranchTasks.Core.Configuration;

/// <summary>Suggests the allowed key a typo most likely meant.</summary>
internal static class KeySuggester
{
    private const int MaxDistance = 2;

    public static string? Suggest(string actual, IEnumerable<string> allowed) =>
        allowed
            .Select(candidate => (candidate, distance: Distance(actual.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .Where(x => x.distance <= MaxDistance)
            .OrderBy(x => x.distance)
            .Select(x => x.candidate)
            .FirstOrDefault();

    /// <summary>Levenshtein distance.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
