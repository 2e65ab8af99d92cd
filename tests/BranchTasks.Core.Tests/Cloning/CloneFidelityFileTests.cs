using BranchTasks.Core.Cloning;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The fidelity tests with every InnoDB table travelling as a tablespace file, small ones included (as shipped,
/// tables up to <see cref="TablespaceAccess.SmallTableBytes"/> are copied by SQL under the export lock instead,
/// which the base class covers).
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneFidelityFileTests(PrivateServerFixture fixture) : CloneFidelityTests(fixture)
{
    protected override void Adjust(ServerBranchProvider provider) => provider.Tablespaces = provider.Tablespaces! with { SmallTableBytes = 0 };

    protected override void CheckReport(CloneReport report)
    {
        Assert.Contains("authors", report.AsFiles);
        Assert.Contains("books", report.AsFiles);
        Assert.Empty(report.UnderExportLock);
    }
}
