namespace BranchTasks.Core.Configuration;

/// <summary>
/// Settings of the <c>planetscale</c> provider (the <c>"planetscale"</c> object). The service token is never
/// here: it comes from PLANETSCALE_SERVICE_TOKEN_ID / PLANETSCALE_SERVICE_TOKEN or user secrets.
/// </summary>
public sealed class PlanetScaleSettings
{
    public const string DefaultApiUrl = "https://api.planetscale.com/v1";

    public required string Organization { get; init; }

    /// <summary>The PlanetScale database; also the MySQL database name apps use.</summary>
    public required string Database { get; init; }

    /// <summary>The role of the branch passwords the tunnel logs in with.</summary>
    public string PasswordRole { get; init; } = "admin";

    /// <summary>Lifetime of each branch password; renewed well before it runs out.</summary>
    public TimeSpan PasswordTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long to wait for a new branch to become ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Full path of extra trusted CA certificates (PEM) for the MySQL leg; verification stays on.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Connecting to a production branch needs this explicit opt-in.</summary>
    public bool AllowProduction { get; init; }

    public string? UserSecretsId { get; init; }
}
