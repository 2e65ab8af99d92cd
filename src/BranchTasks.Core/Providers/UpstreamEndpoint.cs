namespace BranchTasks.Core.Providers;

/// <summary>Where the tunnel connects for one branch, and with which credentials (held by the daemon only).</summary>
public sealed record UpstreamEndpoint(string Host, int Port, string User, string? Password, string Database)
{
    // The generated ToString would print the password into logs, exceptions and test output.
    public override string ToString() =>
        $"{nameof(UpstreamEndpoint)} {{ Host = {Host}, Port = {Port}, User = {User}, Password = {(Password is null ? "none" : "***")}, Database = {Database} }}";
}
