using System.Text.RegularExpressions;

namespace BranchTasks.Core.Configuration;

/// <summary>
/// Value rules shared by the loader and (by a test) the schema. Name rules the mapping also applies are
/// <see cref="Mapping.BranchNames"/>'s, referenced here, never restated.
/// </summary>
internal static partial class ConfigPatterns
{
    public const string Database = Mapping.BranchNames.ProjectPattern;
    public const string ConnectionName = "^[A-Za-z0-9_.-]+$";
    public const string BranchName = Mapping.BranchNames.BranchPattern;
    public const int MaxBranchLength = Mapping.BranchNames.MaxBranchLength;
    public const string DatabasePrefix = "^[a-z0-9_]{0,24}$";
    public const string PlanetScaleName = "^[a-z0-9][a-z0-9-]{0,63}$";
    public const string UserSecretsId = "^[A-Za-z0-9._-]+$";

    [GeneratedRegex(DatabasePrefix, RegexOptions.CultureInvariant)]
    public static partial Regex DatabasePrefixRegex();

    [GeneratedRegex(PlanetScaleName, RegexOptions.CultureInvariant)]
    public static partial Regex PlanetScaleNameRegex();

    [GeneratedRegex(UserSecretsId, RegexOptions.CultureInvariant)]
    public static partial Regex UserSecretsIdRegex();

    [GeneratedRegex(ConnectionName, RegexOptions.CultureInvariant)]
    public static partial Regex ConnectionNameRegex();
}
