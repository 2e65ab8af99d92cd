using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace BranchTasks.Configuration;

/// <summary>The source <see cref="BranchTasksConfigurationExtensions.AddBranchTasks"/> adds.</summary>
public sealed class BranchTasksConfigurationSource(BranchTasksConfigurationOptions options) : IConfigurationSource
{
    public BranchTasksConfigurationOptions Options { get; } = options;

    /// <summary>The app's assembly: it names the tool bundled in the BranchTasks package, and the app's UserSecretsId.</summary>
    internal Assembly? AppAssembly { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new BranchTasksConfigurationProvider(Options, AppAssembly);
}
