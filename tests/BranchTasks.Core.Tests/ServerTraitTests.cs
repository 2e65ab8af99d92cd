using System.Reflection;
using BranchTasks.Core.Tests.Providers.PlanetScale;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests;

/// <summary>
/// The unit/server split (<see cref="TestTraits"/>) holds only if no class that uses a server fixture forgets the
/// trait: otherwise <c>--filter "Needs!=Server"</c> would start servers after all.
/// </summary>
public sealed class ServerTraitTests
{
    private static readonly Type[] ServerFixtures = [typeof(PrivateServerFixture), typeof(PlanetScaleApiDoubleFixture), typeof(PlanetScaleDoubleFixture)];

    [Fact]
    public void Every_test_class_that_uses_a_server_fixture_carries_the_server_trait()
    {
        var usesServer = typeof(ServerTraitTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>().Any()))
            .Where(UsesServerFixture)
            .ToList();

        Assert.True(usesServer.Count >= 20, $"only {usesServer.Count} test classes found to use a server fixture: the detection is broken");
        Assert.Empty(usesServer.Where(t => !HasServerTrait(t)).Select(t => t.FullName));
    }

    [Fact]
    public void A_class_on_a_server_fixture_without_the_trait_is_caught()
    {
        Assert.True(UsesServerFixture(typeof(Untraited)));
        Assert.False(HasServerTrait(typeof(Untraited)));
        Assert.True(HasServerTrait(typeof(ServerTraitTests).Assembly.GetType("BranchTasks.Core.Tests.Providers.Local.LocalServerTests")!));
    }

    private static bool UsesServerFixture(Type type) =>
        type.GetConstructors().Any(c => c.GetParameters().Any(p => ServerFixtures.Contains(p.ParameterType)))
        || type.GetCustomAttributesData().Any(a =>
            a.AttributeType == typeof(CollectionAttribute) && a.ConstructorArguments.Any(arg => Equals(arg.Value, PrivateServerCollection.Name)));

    private static bool HasServerTrait(Type type) =>
        type.GetCustomAttributesData().Any(a =>
            a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments.Select(arg => arg.Value as string).SequenceEqual([TestTraits.Needs, TestTraits.Server]));

    [Collection(PrivateServerCollection.Name)]
    private sealed class Untraited(PrivateServerFixture fixture)
    {
        public PrivateServerFixture Fixture { get; } = fixture;
    }
}
