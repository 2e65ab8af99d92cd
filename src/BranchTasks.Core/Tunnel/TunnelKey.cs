namespace BranchTasks.Core.Tunnel;

/// <summary>One tunnel per provider, upstream server and branch database.</summary>
public sealed record TunnelKey(string Provider, string UpstreamHost, int UpstreamPort, string Database)
{
    public override string ToString() => $"{Provider}:{UpstreamHost}:{UpstreamPort}/{Database}";
}
