namespace BranchTasks.Core.Tunnel;

/// <summary>
/// One tunnel per provider, place and branch. <paramref name="Scope"/> is where branches live (a server's
/// host:port, a PlanetScale organization/database); <paramref name="Name"/> names the branch there (its
/// database, or its PlanetScale branch name). Known without any network call, so closing a tunnel never
/// has to ask the provider for credentials first.
/// </summary>
public sealed record TunnelKey(string Provider, string Scope, string Name)
{
    public override string ToString() => $"{Provider}:{Scope}/{Name}";
}
