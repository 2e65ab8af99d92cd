using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>The fidelity tests with every table copied by SQL, as on a server whose files BranchTasks cannot reach (the <c>mysql</c> provider).</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneFidelitySqlTests(PrivateServerFixture fixture) : CloneFidelityTests(fixture)
{
    protected override LocalServerEndpoint Server => Fixture.Endpoint with { DataDirectory = null };
}
