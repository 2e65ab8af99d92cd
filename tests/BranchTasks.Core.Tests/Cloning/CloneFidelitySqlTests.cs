using BranchTasks.Core.Cloning;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The fidelity tests with every table copied by SQL, as on a server whose files BranchTasks cannot reach (the
/// <c>mysql</c> provider): on several connections under one read lock, every table's plain keys built after its rows.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneFidelitySqlTests(PrivateServerFixture fixture) : CloneFidelityTests(fixture)
{
    /// <summary>A table whose keys must come back exactly: a unique key kept, plain ones with prefix, order, comment and an odd name taken off and re-added.</summary>
    internal const string KeyedTable = """
        CREATE TABLE readings (
          id INT AUTO_INCREMENT PRIMARY KEY, sensor VARCHAR(40) NOT NULL, at DATETIME NOT NULL, value DOUBLE, note VARCHAR(100),
          UNIQUE KEY one_per_moment (sensor, at), KEY by_sensor (sensor(8), at DESC) COMMENT 'newest
        first', KEY by_value (value) IGNORED, KEY `we``ird key` (note)) ENGINE=InnoDB;
        INSERT INTO readings (sensor, at, value, note) SELECT CONCAT('s', seq MOD 7), '2024-01-01' + INTERVAL seq MINUTE, seq / 3, IF(seq MOD 2, NULL, 'even') FROM seq_1_to_500;
        """;

    protected override LocalServerEndpoint Server => Fixture.Endpoint with { DataDirectory = null };

    protected override void Adjust(ServerBranchProvider provider) => provider.SqlCopy = provider.SqlCopy! with { DeferIndexesFromBytes = 0 };

    protected override Task ExtendParentAsync(MySqlConnection connection) => Execute(connection, KeyedTable);

    protected override void CheckReport(CloneReport report)
    {
        Assert.Equal(SqlRowCopy.Parallel, report.SqlCopy);
        Assert.Null(report.OneTransactionReason);
        Assert.Empty(report.AsFiles);
        Assert.Contains(report.BySql, s => s.Table == "readings");

        // Tables in a foreign key keep their keys (InnoDB needs them); the others get theirs after the rows.
        Assert.Contains("readings", report.KeysAfterRows);
        Assert.DoesNotContain("authors", report.KeysAfterRows);
    }
}
