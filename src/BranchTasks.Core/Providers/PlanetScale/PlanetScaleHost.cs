using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>Reads an <c>access_host_url</c>: a host name, optionally with a port (3306 when absent).</summary>
public static class PlanetScaleHost
{
    public const int DefaultPort = 3306;

    public static (string Host, int Port) Parse(string accessHostUrl)
    {
        var text = accessHostUrl.Trim();
        // Tolerate a scheme, which a proxy or a future API version might add.
        if (text.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return (uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? DefaultPort : uri.Port);
        }

        if (Uri.TryCreate("mysql://" + text, UriKind.Absolute, out var parsed) && parsed.Host.Length > 0 && parsed.AbsolutePath is "/" or "")
        {
            return (parsed.Host.Trim('[', ']'), parsed.Port > 0 ? parsed.Port : DefaultPort);
        }

        throw new BranchTasksException(ErrorCodes.ProviderRejected, $"PlanetScale gave '{accessHostUrl}' as the branch's access host, which is not a host name with an optional port.");
    }
}
