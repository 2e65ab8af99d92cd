using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>
/// Two developers (two logins) of one repository on one shared TLS server: each gets a database prefix of their
/// own by default, neither's prune, delete or reset touches the other's branches, and a prefix is never shared silently.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class MySqlOwnershipTests(PrivateServerFixture fixture) : IDisposable
{
    private readonly string _project = PrivateServerFixture.UniqueName("team");
    private readonly string _bob = "bob" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _bobPassword = Guid.NewGuid().ToString("N");
    private readonly TempGitRepository _repo = TempGitRepository.Create();
    private readonly List<string> _states = [];

    private string CaFile => new LocalServerLayout(fixture.State).TlsCertificateFile;

    [Fact]
    public async Task Each_login_gets_its_own_prefix_and_never_touches_the_others_branches()
    {
        await fixture.ExecuteAsync($"CREATE USER '{_bob}'@'%' IDENTIFIED BY '{_bobPassword}'; GRANT ALL PRIVILEGES ON *.* TO '{_bob}'@'%' WITH GRANT OPTION");
        WriteConfig(prefix: null);
        var alice = Open(fixture.Endpoint.AdminUser, fixture.Endpoint.AdminPassword);
        var bob = Open(_bob, _bobPassword);

        Assert.Equal(MySqlDatabasePrefix.For(fixture.Endpoint.AdminUser), alice.Config.DatabasePrefix);
        Assert.Equal(_bob + "_", bob.Config.DatabasePrefix);
        Assert.NotEqual(alice.Target.Database, bob.Target.Database);

        await using var aliceFactory = Factory();
        await using var bobFactory = Factory();
        await using var aliceProvider = await aliceFactory.CreateAsync(alice, CancellationToken.None);
        await using var bobProvider = await bobFactory.CreateAsync(bob, CancellationToken.None);
        var aliceOps = new BranchOperations(aliceProvider, alice.Config);
        var bobOps = new BranchOperations(bobProvider, bob.Config);
        var aliceWork = alice.TargetFor("feature/alice");
        var bobWork = bob.TargetFor("feature/bob");
        await aliceOps.EnsureExistsAsync(aliceWork, CancellationToken.None);
        await bobOps.EnsureExistsAsync(bobWork, CancellationToken.None);
        await bobOps.EnsureExistsAsync(bob.TargetFor("feature/alice"), CancellationToken.None);
        Assert.StartsWith(alice.Config.DatabasePrefix + _project, aliceWork.Database);
        Assert.StartsWith(_bob + "_" + _project, bobWork.Database);

        // Neither git branch exists in the repository: each prunes their own, never the other's.
        var onlyMain = new HashSet<string> { "main" };
        Assert.Equal([aliceWork.Branch], (await aliceOps.FindPrunableAsync(onlyMain, alice.Target, CancellationToken.None)).Select(b => b.Branch));
        Assert.Equal(new[] { bobWork.Branch, bob.TargetFor("feature/alice").Branch }.Order(StringComparer.Ordinal), (await bobOps.FindPrunableAsync(onlyMain, bob.Target, CancellationToken.None)).Select(b => b.Branch).Order(StringComparer.Ordinal));
        await bobOps.DeleteAsync(bob.TargetFor("feature/alice"), bob.Target, force: false, CancellationToken.None);
        var bobDeletesAlice = await Assert.ThrowsAsync<BranchTasksException>(() => bobOps.DeleteAsync(aliceWork, bob.Target, force: true, CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchNotOwned, bobDeletesAlice.Code);
        Assert.Equal(1L, await CountDatabasesAsync(aliceWork.Database));
        Assert.Equal([aliceWork.Branch, "main"], (await aliceProvider.ListAsync(CancellationToken.None)).Select(b => b.Branch).Order(StringComparer.Ordinal));

        // A prefix is one login's: bob naming alice's prefix is told whose it is and how to get his own.
        WriteConfig(prefix: alice.Config.DatabasePrefix);
        var intruder = Open(_bob, _bobPassword);
        await using var intruderFactory = Factory();
        await using var intruderProvider = await intruderFactory.CreateAsync(intruder, CancellationToken.None);
        var taken = await Assert.ThrowsAsync<BranchTasksException>(() => intruderProvider.ListAsync(CancellationToken.None));
        Assert.Equal(ErrorCodes.DatabasePrefixTaken, taken.Code);
        Assert.Contains($"'{fixture.Endpoint.AdminUser}'", taken.Message);
        Assert.Contains($"'{_bob}_'", taken.Message);

        foreach (var (ops, workspace, branches) in new[] { (aliceOps, alice, new[] { aliceWork }), (bobOps, bob, new[] { bobWork }) })
        {
            foreach (var branch in branches.Append(workspace.Target))
            {
                await ops.DeleteAsync(branch, current: null, force: true, CancellationToken.None);
            }

            await fixture.ExecuteAsync($"DROP DATABASE IF EXISTS `{workspace.Config.DatabasePrefix}_branchtasks`");
        }
    }

    private Workspace Open(string user, string password) =>
        Workspace.Open(_repo.Path, configFile: null, branchOverride: null, connectionName: null).WithCredentials(new ProviderCredentials(
            new Dictionary<string, string>
            {
                [CredentialEnvironment.MySqlUser] = user,
                [CredentialEnvironment.MySqlPassword] = password,
                [CredentialEnvironment.MySqlHost] = $"127.0.0.1:{fixture.Endpoint.Port}",
            },
            null));

    private void WriteConfig(string? prefix)
    {
        var prefixSetting = prefix is null ? "" : $", \"databasePrefix\": \"{prefix}\"";
        _repo.WriteFile("branchtasks.json", $$"""
            { "provider": "mysql", "database": "{{_project}}",
              "mysql": { "host": "127.0.0.1", "port": {{fixture.Endpoint.Port}}, "caCertificateFile": "{{CaFile}}"{{prefixSetting}} } }
            """);
        if (_repo.TryRun("rev-parse", "HEAD").ExitCode != 0)
        {
            _repo.Run("add", "-A");
            _repo.Run("commit", "-q", "-m", "init");
        }
    }

    private ProviderFactory Factory()
    {
        var state = Directory.CreateTempSubdirectory("bt-mysql-owner-").FullName;
        _states.Add(state);
        return new ProviderFactory(new StateDirectory(state));
    }

    private async Task<long> CountDatabasesAsync(string database) =>
        Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{database}'"));

    public void Dispose()
    {
        fixture.ExecuteAsync($"DROP USER IF EXISTS '{_bob}'@'%'").GetAwaiter().GetResult();
        _repo.Dispose();
        foreach (var state in _states)
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
