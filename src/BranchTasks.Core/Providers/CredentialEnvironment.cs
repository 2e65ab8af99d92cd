namespace BranchTasks.Core.Providers;

/// <summary>
/// The environment variables that carry provider credentials. The daemon outlives the shell that started
/// it, so every front end sends the caller's values along with each request (over the per-user pipe,
/// never in process arguments). Compiled into the MSBuild task too: keep it dependency-free.
/// </summary>
public static class CredentialEnvironment
{
    public const string MySqlUser = "BRANCHTASKS_MYSQL_USER";
    public const string MySqlPassword = "BRANCHTASKS_MYSQL_PASSWORD";

    /// <summary>The server (host or host:port) the mysql credentials are for; they are sent nowhere else.</summary>
    public const string MySqlHost = "BRANCHTASKS_MYSQL_HOST";
    public const string PlanetScaleTokenId = "PLANETSCALE_SERVICE_TOKEN_ID";
    public const string PlanetScaleToken = "PLANETSCALE_SERVICE_TOKEN";
    public const string PlanetScaleApiUrl = "PLANETSCALE_API_URL";

    /// <summary>Names the calling project's user-secrets store (set by the MSBuild task for the tool it runs).</summary>
    public const string UserSecretsIdVariable = "BRANCHTASKS_USER_SECRETS_ID";

    public static readonly IReadOnlyList<string> Names = [MySqlUser, MySqlPassword, MySqlHost, PlanetScaleTokenId, PlanetScaleToken, PlanetScaleApiUrl];

    /// <summary>The credential variables set in this process; null when none is.</summary>
    public static Dictionary<string, string>? Capture()
    {
        Dictionary<string, string>? result = null;
        foreach (var name in Names)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(value))
            {
                (result ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
            }
        }

        return result;
    }
}
