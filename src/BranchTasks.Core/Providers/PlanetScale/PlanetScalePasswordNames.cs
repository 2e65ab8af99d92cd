namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// Names of the branch passwords BranchTasks creates: recognisable (in PlanetScale's console, and to find one
/// whose create response was lost) and unique per create.
/// </summary>
public static class PlanetScalePasswordNames
{
    public const string Prefix = "branchtasks-";

    public static string New() =>
        $"{Prefix}{Sanitize(Environment.MachineName)}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string Sanitize(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var result = new string(chars).Trim('-');
        return result.Length == 0 ? "host" : result.Length > 24 ? result[..24] : result;
    }
}
