using System.Net;

namespace BranchTasks.Core.Providers;

/// <summary>Whether a host name means this machine: nothing on the path between could be a man in the middle.</summary>
public static class LoopbackHost
{
    public static bool Is(string host)
    {
        var bare = host.Trim('[', ']');
        // "localhost" resolves to loopback by definition (RFC 6761); any other name may resolve anywhere.
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }
}
