using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>
/// What a <c>mysql</c> provider test stands on: the test run's private server as the team's shared server, with a
/// project name, a database prefix and a state folder of the test's own, so tests never see each other's branches.
/// </summary>
internal sealed class SharedServerSetup(PrivateServerFixture fixture, string projectStem) : IDisposable
{
    public string Project { get; } = PrivateServerFixture.UniqueName(projectStem);

    public string Prefix { get; } = "dev" + Guid.NewGuid().ToString("N")[..6] + "_";

    public string State { get; } = Directory.CreateTempSubdirectory("bt-mysql-" + projectStem + "-").FullName;

    public string CaFile => new LocalServerLayout(fixture.State).TlsCertificateFile;

    public BranchTasksConfig Config(string? userSecretsId = null) => new()
    {
        FilePath = Path.Combine(State, "branchtasks.json"),
        Provider = "mysql",
        Database = Project,
        Mysql = new MySqlSettings
        {
            Host = "127.0.0.1",
            Port = fixture.Endpoint.Port,
            DatabasePrefix = Prefix,
            Tls = "verify-full",
            CaCertificateFile = CaFile,
            UserSecretsId = userSecretsId,
        },
    };

    /// <summary>The server's admin account as the developer's credentials, or with another password or host binding.</summary>
    public Dictionary<string, string> AdminCredentials(string? password = null, string? boundTo = null) => new()
    {
        [CredentialEnvironment.MySqlUser] = fixture.Endpoint.AdminUser,
        [CredentialEnvironment.MySqlPassword] = password ?? fixture.Endpoint.AdminPassword,
        [CredentialEnvironment.MySqlHost] = boundTo ?? $"127.0.0.1:{fixture.Endpoint.Port}",
    };

    public void Dispose() => Directory.Delete(State, recursive: true);
}
