using System.Security.Cryptography;
using System.Text.Json;

namespace BranchTasks.Core.Providers.Local;

/// <summary>
/// The contents of <c>local/credentials.json</c> (mode 0600): the private server's secrets. <see cref="AppPassword"/> is
/// the password of the shared app account of old data directories, which has no rights any more (files written before it
/// existed lack it, see <see cref="WithAppPassword"/>). <see cref="AccountSecret"/> derives the passwords of the per-project
/// app accounts the tunnel logs in as (files written before it existed lack it, see <see cref="WithAccountSecret"/>).
/// </summary>
public sealed record LocalServerCredentials(string AdminUser, string AdminPassword, string AppUser, string? AppPassword = null, string? AccountSecret = null)
{
    public const string DefaultAdminUser = "branchtasks_admin";
    public const string DefaultAppUser = "branchtasks_app";

    // Letters and digits only, so the password survives every quoting layer it passes through.
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static LocalServerCredentials Generate() =>
        new(DefaultAdminUser, NewPassword(), DefaultAppUser, NewPassword(), NewSecret());

    /// <summary>These credentials with a freshly generated app password.</summary>
    public LocalServerCredentials WithAppPassword() => this with { AppPassword = NewPassword() };

    /// <summary>These credentials with a freshly generated secret for the app accounts' passwords.</summary>
    public LocalServerCredentials WithAccountSecret() => this with { AccountSecret = NewSecret() };

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string NewPassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 32);

    public static LocalServerCredentials? TryRead(string path)
    {
        try
        {
            var credentials = JsonSerializer.Deserialize(File.ReadAllText(path), CoreJson.Indented.LocalServerCredentials);
            return credentials is { AdminUser.Length: > 0, AdminPassword.Length: > 0, AppUser.Length: > 0 } ? credentials : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    public void Write(string path) => State.StateDirectory.WritePrivateFile(path, JsonSerializer.Serialize(this, CoreJson.Indented.LocalServerCredentials));

    public override string ToString() => $"{nameof(LocalServerCredentials)} {{ AdminUser = {AdminUser}, AppUser = {AppUser} }}";
}
