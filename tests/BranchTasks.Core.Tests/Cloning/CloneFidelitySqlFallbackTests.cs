using BranchTasks.Core.Cloning;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The fidelity tests on the <c>mysql</c> path's fallback: the copy connections may not lock the parent, so every row
/// goes in one transaction (after the keys taken off for the parallel copy were put back).
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneFidelitySqlFallbackTests(PrivateServerFixture fixture) : CloneFidelityTests(fixture)
{
    protected override LocalServerEndpoint Server => Fixture.Endpoint with { DataDirectory = null };

    protected override void Adjust(ServerBranchProvider provider) => provider.SqlCopy = NoLockAccount.Access(Fixture) with { DeferIndexesFromBytes = 0 };

    protected override Task ExtendParentAsync(MySqlConnection connection) => Execute(connection, CloneFidelitySqlTests.KeyedTable);

    protected override void CheckReport(CloneReport report)
    {
        Assert.Equal(SqlRowCopy.OneTransaction, report.SqlCopy);
        Assert.Contains("could not be locked for reading", report.OneTransactionReason, StringComparison.Ordinal);
    }
}
