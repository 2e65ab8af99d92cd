using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Providers;

/// <summary>
/// Decides where the user's provider credentials may be sent. A repository's branchtasks.json can name a
/// server, but only the user can say which server their credentials are for: the mysql admin login travels
/// with its host (BRANCHTASKS_MYSQL_HOST / BranchTasks:MySql:Host), and the PlanetScale API address is the
/// user's setting alone (as pscale refuses api-url from project config). Every provider creation, including
/// the daemon's HEAD watcher, goes through here before anything is sent.
/// </summary>
public static class CredentialBinding
{
    public const string MySqlHostSecretKey = "BranchTasks:MySql:Host";
    public const string PlanetScaleApiUrlSecretKey = "BranchTasks:PlanetScale:ApiUrl";

    /// <summary>
    /// Throws unless the user bound the mysql credentials to the server <paramref name="settings"/> names.
    /// The host must match (case-insensitively); a binding that names a port must match the port too, one that
    /// names none covers every port of that host.
    /// </summary>
    public static void CheckMySql(BranchTasksConfig config, MySqlSettings settings, ProviderCredentials credentials)
    {
        var configured = $"{FormatHost(settings.Host)}:{settings.Port}";
        var bound = credentials.Get(CredentialEnvironment.MySqlHost, MySqlHostSecretKey);
        var fix = $"If you mean to use your credentials for {configured}, set {CredentialEnvironment.MySqlHost}={configured} next to {CredentialEnvironment.MySqlUser} and {CredentialEnvironment.MySqlPassword}" +
            (credentials.UserSecretsId is null ? "" : $" (or {MySqlHostSecretKey} in user secrets {credentials.UserSecretsId})") +
            $"; otherwise fix \"host\"/\"port\" in the \"mysql\" settings of {config.FilePath}.";
        if (bound is null)
        {
            throw new BranchTasksException(ErrorCodes.CredentialsBoundElsewhere,
                $"The mysql credentials are not bound to a server, so BranchTasks will not send them to {configured}, which {config.FilePath} names (a repository must not decide where your password goes). {fix}");
        }

        if (!TryParse(bound, out var host, out var port))
        {
            throw new BranchTasksException(ErrorCodes.CredentialsBoundElsewhere,
                $"{CredentialEnvironment.MySqlHost} (or {MySqlHostSecretKey}) is '{bound}', which is not a host or host:port. Nothing was sent. {fix}");
        }

        if (!string.Equals(host, settings.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) || (port is { } p && p != settings.Port))
        {
            throw new BranchTasksException(ErrorCodes.CredentialsBoundElsewhere,
                $"The mysql credentials are bound to {bound}, but {config.FilePath} names {configured}; BranchTasks sent nothing there. {fix}");
        }
    }

    /// <summary>
    /// The PlanetScale API address from the user's environment or user secrets, else the public API. https only,
    /// except on loopback (a local test double), so the service token never crosses a network in the clear.
    /// </summary>
    public static string PlanetScaleApiUrl(ProviderCredentials credentials)
    {
        var value = credentials.Get(CredentialEnvironment.PlanetScaleApiUrl, PlanetScaleApiUrlSecretKey);
        if (value is null)
        {
            return PlanetScaleSettings.DefaultApiUrl;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(uri.Query))
        {
            throw new BranchTasksException(ErrorCodes.ApiAddressNotAllowed,
                $"{CredentialEnvironment.PlanetScaleApiUrl} (or {PlanetScaleApiUrlSecretKey}) is '{value}', which is not an absolute https address without query. The service token was not sent. Fix or unset it (the default is {PlanetScaleSettings.DefaultApiUrl}).");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !LoopbackHost.Is(uri.Host))
        {
            throw new BranchTasksException(ErrorCodes.ApiAddressNotAllowed,
                $"{CredentialEnvironment.PlanetScaleApiUrl} (or {PlanetScaleApiUrlSecretKey}) is '{value}': plain http would send the service token readable to anyone on the way, so it is allowed only to a loopback address. The service token was not sent. Use an https address (the default is {PlanetScaleSettings.DefaultApiUrl}).");
        }

        return value.TrimEnd('/');
    }

    private static bool TryParse(string text, out string host, out int? port)
    {
        host = "";
        port = null;
        if (!Uri.TryCreate("mysql://" + text.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath is not ("/" or "") || uri.UserInfo.Length > 0 || uri.Query.Length > 0)
        {
            return false;
        }

        host = uri.Host.Trim('[', ']');
        port = uri.Port > 0 ? uri.Port : null;
        return true;
    }

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
