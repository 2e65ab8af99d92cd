using System.Security.Cryptography;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>Random ids, user names and passwords shaped like PlanetScale's.</summary>
internal static class RandomIds
{
    private const string LowerAlphanumeric = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string Lowercase = "abcdefghijklmnopqrstuvwxyz";
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Id() => RandomNumberGenerator.GetString(LowerAlphanumeric, 12);

    public static string Username() => RandomNumberGenerator.GetString(Lowercase, 12);

    // Letters and digits only after the prefix, so a secret needs no quoting in a connection string, header or shell.
    public static string Secret(string prefix) => prefix + RandomNumberGenerator.GetString(Alphanumeric, 43);

    public static string Hex(int length) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes((length + 1) / 2))[..length];
}
