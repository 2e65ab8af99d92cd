using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Local;

[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalBranchProviderTests(PrivateServerFixture fixture)
{
    private readonly string _project = PrivateServerFixture.UniqueName("proj");

    private ServerBranchProvider Provider => LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);

    private BranchTarget Target(string branch) => new("git/" + branch, branch, _project + "_" + branch.Replace('-', '_'));

    [Fact]
    public async Task An_empty_branch_is_created_utf8mb4_listed_found_and_deleted()
    {
        var provider = Provider;
        var target = Target("empty-one");

        var created = await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);

        Assert.Equal(
            new BranchInfo("empty-one", target.Database, null, "git/empty-one", created.CreatedAt, null)
            {
                Ownership = BranchOwnership.Mine,
                Repository = TestOwners.Default.Repository.Id,
                Owner = TestOwners.Default.Developer,
                RepositoryLocation = TestOwners.Default.Repository.Location,
            },
            created);
        Assert.Equal("utf8mb4", await fixture.ScalarAsync($"SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{target.Database}'"));
        Assert.Equal([created], await provider.ListAsync(CancellationToken.None));
        Assert.Equal(created, await provider.FindAsync("empty-one", CancellationToken.None));
        Assert.Empty(await LocalBranchProvider.Create(fixture.Endpoint, PrivateServerFixture.UniqueName("other"), TestOwners.Default).ListAsync(CancellationToken.None));

        await provider.TouchAsync("empty-one", CancellationToken.None);
        Assert.NotNull((await provider.FindAsync("empty-one", CancellationToken.None))!.LastUsedAt);

        await provider.DeleteAsync(target, CancellationToken.None);

        Assert.Null(await provider.FindAsync("empty-one", CancellationToken.None));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{target.Database}'")));
    }

    [Fact]
    public async Task Creating_an_existing_branch_is_refused()
    {
        var provider = Provider;
        var target = Target("twice");
        await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => provider.CreateAsync(target, null, copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchExists, error.Code);
    }

    [Fact]
    public async Task A_database_made_by_hand_is_neither_overwritten_nor_deleted()
    {
        var provider = Provider;
        var target = Target("by-hand");
        await fixture.ExecuteAsync($"CREATE DATABASE `{target.Database}`; CREATE TABLE `{target.Database}`.precious (id INT); INSERT INTO `{target.Database}`.precious VALUES (7);");

        var createError = await Assert.ThrowsAsync<BranchTasksException>(() => provider.CreateAsync(target, null, copyData: true, CancellationToken.None));
        var deleteError = await Assert.ThrowsAsync<BranchTasksException>(() => provider.DeleteAsync(target, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchExists, createError.Code);
        Assert.Equal(ErrorCodes.BranchNotOwned, deleteError.Code);
        Assert.Contains($"database {target.Database} was not created by BranchTasks; it is left untouched", deleteError.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(7, Convert.ToInt32(await fixture.ScalarAsync($"SELECT id FROM `{target.Database}`.precious")));
        Assert.Empty(await provider.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Deleting_nothing_is_branch_not_found()
    {
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => Provider.DeleteAsync(Target("nowhere"), CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchNotFound, error.Code);
    }

    [Fact]
    public async Task A_leftover_of_a_crashed_create_is_cleared_and_created_again()
    {
        var provider = Provider;
        var target = Target("crashed");
        var store = new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct));
        await store.EnsureSchemaAsync(CancellationToken.None);
        await store.InsertCreatingAsync(target.Database, _project, target.Branch, "main", target.GitBranch, TestOwners.Default, CancellationToken.None);
        await fixture.ExecuteAsync($"CREATE DATABASE `{target.Database}`; CREATE TABLE `{target.Database}`.half_made (id INT);");
        Assert.Empty(await provider.ListAsync(CancellationToken.None));

        await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);

        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{target.Database}'")));
        Assert.Single(await provider.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_upstream_is_the_app_user_on_the_branch_database_and_it_connects()
    {
        var provider = Provider;
        var target = Target("upstream");
        await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);

        await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        var upstream = lease.Endpoint;

        var account = AppAccounts.NameFor("_branchtasks", _project);
        Assert.Equal(new UpstreamEndpoint("127.0.0.1", fixture.Endpoint.Port, account, AppAccounts.DerivePassword(fixture.Endpoint.AccountSecret, account), target.Database) { AppUser = "branchtasks_app", UnixSocket = fixture.Endpoint.UnixSocket }, upstream);
        Assert.False(string.IsNullOrEmpty(upstream.Password));
        Assert.DoesNotContain(upstream.Password!, upstream.ToString());
        var builder = new MySqlConnectionStringBuilder { Server = upstream.Host, Port = (uint)upstream.Port, UserID = upstream.User, Password = upstream.Password, Database = upstream.Database, SslMode = MySqlSslMode.None };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("CREATE TABLE t (id INT); SELECT DATABASE();", connection);
        Assert.Equal(target.Database, await command.ExecuteScalarAsync());

        if (upstream.UnixSocket is { } socket)
        {
            // The same login where the tunnel makes it: on the server's Unix socket, where the server names the client 'localhost'.
            builder.Server = socket;
            builder.ConnectionProtocol = MySqlConnectionProtocol.UnixSocket;
            await using var overSocket = new MySqlConnection(builder.ConnectionString);
            await overSocket.OpenAsync();
            await using var who = new MySqlCommand("SELECT CURRENT_USER()", overSocket);
            Assert.Equal($"{account}@localhost", await who.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task Concurrent_creates_of_one_branch_yield_one_branch_and_one_clear_refusal()
    {
        var target = Target("racing");

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            try
            {
                await LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default).CreateAsync(target, null, copyData: true, CancellationToken.None);
                return "created";
            }
            catch (BranchTasksException e)
            {
                return e.Code;
            }
        }));

        Assert.Single(results, r => r == "created");
        Assert.All(results.Where(r => r != "created"), r => Assert.Equal(ErrorCodes.BranchExists, r));
    }
}
