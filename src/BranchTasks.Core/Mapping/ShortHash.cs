using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Mapping;

/// <summary>The 8 hex character suffix that keeps shortened or lossy names distinct.</summary>
internal static class ShortHash
{
    public const int Length = 8;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static string Of(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..Length];

    /// <summary>True when <paramref name="name"/> ends with <paramref name="separator"/> and 8 lowercase hex chars.</summary>
    public static bool LooksHashed(string name, char separator)
    {
        if (name.Length <= Length || name[^(Length + 1)] != separator)
        {
            return false;
        }

        return !name.AsSpan(name.Length - Length).ContainsAnyExcept(LowerHex);
    }
}
