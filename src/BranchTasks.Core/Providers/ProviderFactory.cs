using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers;

/// <summary>Turns a configuration's <c>provider</c> into a ready <see cref="IBranchProvider"/>.</summary>
public sealed class ProviderFactory
{
    private readonly StateDirectory _state;

    public ProviderFactory(StateDirectory state)
    {
        _state = state;
    }

    public async Task<IBranchProvider> CreateAsync(BranchTasksConfig config, CancellationToken cancellationToken)
    {
        switch (config.Provider)
        {
            case "local":
                var endpoint = await new LocalServer(_state, config.Local).EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
                return new LocalBranchProvider(endpoint, config.Database);
            default:
                throw new BranchTasksException(
                    ErrorCodes.ProviderNotAvailable,
                    $"{config.FilePath}: provider '{config.Provider}' is not available in this version of BranchTasks. Use \"provider\": \"local\".");
        }
    }

    /// <summary>Stops the private server of the <c>local</c> provider; false when it was not running.</summary>
    public Task<bool> StopLocalServerAsync(CancellationToken cancellationToken) =>
        new LocalServer(_state, new LocalSettings()).StopAsync(cancellationToken);
}
