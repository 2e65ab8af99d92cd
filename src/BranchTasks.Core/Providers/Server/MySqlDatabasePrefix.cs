using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// A developer's own database prefix on a shared server when <c>mysql.databasePrefix</c> is not set: derived
/// from the admin login, so developers sharing a repository's branchtasks.json never share branches.
/// </summary>
public static class MySqlDatabasePrefix
{
    private const int MaxNameLength = 16;

    /// <summary>
    /// The login itself when it is a short lowercase name (<c>alice</c> → <c>alice_</c>); otherwise a readable part
    /// and a hash of the whole login (<c>Alice.Smith@corp</c> → <c>alice_smi_4f1c_</c>), so two logins differ even
    /// where their readable parts agree. Always matches the <c>databasePrefix</c> pattern.
    /// </summary>
    public static string For(string login)
    {
        ArgumentNullException.ThrowIfNull(login);
        if (login.Length is > 0 and <= MaxNameLength && login.All(IsPlain))
        {
            return login + "_";
        }

        var readable = new string([.. login.ToLowerInvariant().Select(c => IsPlain(c) ? c : '_').Take(MaxNameLength - 6)]).Trim('_');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(login)))[..4];
        return (readable.Length == 0 ? "u" : readable) + "_" + hash + "_";
    }

    private static bool IsPlain(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_';
}
