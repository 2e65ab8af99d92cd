using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Ensure;

/// <summary>
/// The ensure step in the daemon: a repeated ensure of an unchanged workspace is answered from the tunnel it
/// already holds (proved by a real query, the provider skipped); any change, or a closed tunnel, runs the full ensure.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class EnsureServiceTests(PrivateServerFixture fixture) : IAsyncLifetime
{
    private readonly string _project = PrivateServerFixture.UniqueName("ens");
    private readonly TempGitRepository _repo = TempGitRepository.Create();
    private readonly string _home = Directory.CreateTempSubdirectory("bt-ensure-").FullName;
    private TunnelManager _tunnels = null!;
    private ProviderFactory _providers = null!;

    public Task InitializeAsync()
    {
        // The fixture's state directory: the factory finds its running private server instead of starting one.
        _providers = new ProviderFactory(fixture.State);
        _tunnels = new TunnelManager(new TunnelPortStore(new StateDirectory(_home)));
        _repo.WriteFile("branchtasks.json", $$"""{ "provider": "local", "database": "{{_project}}" }""");
        _repo.Commit("init");
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_unchanged_workspace_is_answered_from_its_tunnel_and_a_change_or_a_closed_tunnel_runs_the_full_ensure()
    {
        var service = new EnsureService(_providers, _tunnels);

        var first = await service.EnsureAsync(Open(), CancellationToken.None);
        var usedAt = await LastUsedAsync(first.Database);
        var again = await service.EnsureAsync(Open(), CancellationToken.None);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.ConnectionString, again.ConnectionString);
        Assert.Equal(first.Database, await QueryAsync(again.ConnectionString, "SELECT DATABASE()"));
        // The provider was not asked: the full ensure records every use, the answer from the tunnel does not.
        Assert.Equal(usedAt, await LastUsedAsync(first.Database));

        Assert.Equal(1, await _tunnels.CloseForRepositoryAsync(Open().Head.WorkTreeRoot));
        var reopened = await service.EnsureAsync(Open(), CancellationToken.None);
        Assert.Equal(first.Database, await QueryAsync(reopened.ConnectionString, "SELECT DATABASE()"));
        Assert.NotEqual(usedAt, await LastUsedAsync(first.Database));

        // An edited branchtasks.json is read and applied at once.
        _repo.WriteFile("branchtasks.json", $$"""{ "provider": "local", "database": "{{_project}}2" }""");
        var changed = await service.EnsureAsync(Open(), CancellationToken.None);
        Assert.True(changed.Created);
        Assert.Equal(_project + "2_main", changed.Database);
        Assert.Equal(changed.Database, await QueryAsync(changed.ConnectionString, "SELECT DATABASE()"));

        foreach (var project in new[] { _project, _project + "2" })
        {
            await fixture.ExecuteAsync($"DROP DATABASE IF EXISTS `{project}_main`; DELETE FROM `_branchtasks`.branches WHERE project = '{project}'");
        }
    }

    private Workspace Open() => Workspace.Open(_repo.Path, configFile: null, branchOverride: null, connectionName: null).WithCredentials(ProviderCredentials.None);

    private async Task<object?> LastUsedAsync(string database) =>
        await fixture.ScalarAsync($"SELECT last_used_at FROM `_branchtasks`.branches WHERE database_name = '{database}'");

    private static async Task<object?> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task DisposeAsync()
    {
        await _tunnels.DisposeAsync();
        await _providers.DisposeAsync();
        _repo.Dispose();
        Directory.Delete(_home, recursive: true);
    }
}
