using Microsoft.Extensions.Configuration;

namespace BranchTasks.Core.Providers;

/// <summary>
/// Where a provider's secrets come from, first match wins: the caller's environment (sent with the request),
/// the daemon's own environment, then the user-secrets store named in branchtasks.json or by the project.
/// Never the repository.
/// </summary>
public sealed class ProviderCredentials
{
    private readonly IReadOnlyDictionary<string, string> _caller;
    private readonly string? _userSecretsId;
    private IConfiguration? _secrets;

    public ProviderCredentials(IReadOnlyDictionary<string, string>? caller, string? userSecretsId)
    {
        _caller = caller ?? new Dictionary<string, string>();
        _userSecretsId = userSecretsId;
    }

    public static ProviderCredentials None { get; } = new(null, null);

    /// <summary>The value of environment variable <paramref name="variable"/>, else user secret <paramref name="secretKey"/>.</summary>
    public string? Get(string variable, string? secretKey = null)
    {
        if (_caller.TryGetValue(variable, out var value) && !string.IsNullOrEmpty(value))
        {
            return value;
        }

        value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        return secretKey is null ? null : Secrets()?[secretKey] is { Length: > 0 } secret ? secret : null;
    }

    public string? UserSecretsId => _userSecretsId;

    /// <summary>A hash of what the caller sent and the user-secrets store named: equal when the same credentials are in play. Never the secrets themselves.</summary>
    public string Fingerprint()
    {
        var text = new System.Text.StringBuilder(_userSecretsId ?? "-");
        foreach (var (name, value) in _caller.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append('=').Append(value);
        }

        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    private IConfiguration? Secrets()
    {
        if (_userSecretsId is null)
        {
            return null;
        }

        // Read lazily: most providers never need it, and the store may not exist.
        return _secrets ??= new ConfigurationBuilder().AddUserSecrets(_userSecretsId, reloadOnChange: false).Build();
    }
}
