namespace BranchTasks.Testing.PlanetScale;

/// <summary>A branch of the double as a test sees it.</summary>
/// <param name="Port">The loopback port of the branch's own MariaDB server (<c>access_host_url</c> is <c>127.0.0.1:Port</c>).</param>
/// <param name="ServerUp">The server is running and holds the database (the schema may still be being copied).</param>
/// <param name="ProvisioningError">Why the server could not be started or the schema copied; the branch then never becomes ready.</param>
public sealed record BranchInfo(
    string Id,
    string Name,
    string? ParentBranch,
    bool Production,
    bool Ready,
    bool ServerUp,
    int Port,
    DateTimeOffset CreatedAt,
    string? ProvisioningError)
{
    public string AccessHostUrl => $"127.0.0.1:{Port}";
}
