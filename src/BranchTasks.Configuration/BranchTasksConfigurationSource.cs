using Microsoft.Extensions.Configuration;

namespace BranchTasks.Configuration;

/// <summary>The source <see cref="BranchTasksConfigurationExtensions.AddBranchTasks"/> adds.</summary>
public sealed class BranchTasksConfigurationSource(BranchTasksConfigurationOptions options) : IConfigurationSource
{
    public BranchTasksConfigurationOptions Options { get; } = options;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new BranchTasksConfigurationProvider(Options);
}
