using BranchTasks.Testing;

namespace BranchTasks.Core.Tests;

/// <summary>Every database test of the run shares one private server (a start costs seconds).</summary>
[CollectionDefinition(Name)]
public sealed class PrivateServerCollection : ICollectionFixture<PrivateServerFixture>
{
    public const string Name = "Private MariaDB server";
}
