using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.PlanetScale;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Providers;

/// <summary>
/// Turns a configuration's <c>provider</c> into a ready <see cref="IBranchProvider"/>. Lives as long as the
/// daemon: what outlives one request (PlanetScale's HTTP connections and branch passwords) is kept here.
/// </summary>
public sealed class ProviderFactory : IAsyncDisposable
{
    private readonly StateDirectory _state;
    private readonly Lazy<PlanetScaleLeaseRegistry> _planetScaleLeases = new(() => new PlanetScaleLeaseRegistry());
    private readonly Lazy<HttpClient> _http = new(PlanetScaleApiClient.CreateHttpClient);
    private readonly SharedServerAccounts _sharedAccounts;

    /// <param name="log">Where the daemon tells what a user should know but no request is waiting for (a shared server that allows no scoped app account).</param>
    public ProviderFactory(StateDirectory state, Action<string>? log = null)
    {
        _state = state;
        _sharedAccounts = new SharedServerAccounts(state, log);
    }

    /// <summary>Base delay of PlanetScale's HTTP retries; shorter only in tests, which make the API double fail on purpose.</summary>
    internal TimeSpan PlanetScaleRetryDelay { get; init; } = PlanetScaleApiClient.DefaultRetryDelay;

    /// <summary>The provider of <paramref name="workspace"/>'s configuration, acting for its repository and the caller.</summary>
    public Task<IBranchProvider> CreateAsync(Ensure.Workspace workspace, CancellationToken cancellationToken, IProgress<string>? progress = null) =>
        CreateAsync(workspace.Config, workspace.Credentials, workspace.Repository, cancellationToken, progress);

    /// <param name="repository">The repository branches are made for and scoped to; the developer is the provider's login (shared server) or the OS user.</param>
    public async Task<IBranchProvider> CreateAsync(BranchTasksConfig config, ProviderCredentials credentials, Git.RepositoryIdentity repository, CancellationToken cancellationToken, IProgress<string>? progress = null)
    {
        switch (config.Provider)
        {
            case "mysql":
                var server = MySqlBranchServer.Create(config, credentials);
                server = server with { Accounts = _sharedAccounts.PolicyFor(server.Host, server.Port, server.UpstreamUser) };
                await MySqlBranchServer.CheckLoginAsync(server, cancellationToken).ConfigureAwait(false);
                return new ServerBranchProvider("mysql", server, config.Database, BranchOwner.For(repository, server.UpstreamUser)) { Progress = progress };
            case "planetscale":
                var api = PlanetScaleApiClient.Create(_http.Value, config, credentials, PlanetScaleRetryDelay);
                return new PlanetScaleBranchProvider(api, config, new PlanetScaleBranchRecords(_state), _planetScaleLeases.Value, progress, BranchOwner.For(repository, Environment.UserName));
            default:
                var local = new LocalServer(_state, config.Local);
                if (local.TryGetRunning() is null)
                {
                    // Seconds (its first start also initialises the data directory): say so rather than look hung.
                    progress?.Report("Starting the private database server...");
                }

                var endpoint = await local.EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
                return LocalBranchProvider.Create(endpoint, config.Database, BranchOwner.For(repository, Environment.UserName), progress);
        }
    }

    /// <summary>Stops the private server of the <c>local</c> provider; false when it was not running.</summary>
    public Task<bool> StopLocalServerAsync(CancellationToken cancellationToken) =>
        new LocalServer(_state, new LocalSettings()).StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_planetScaleLeases.IsValueCreated)
        {
            await _planetScaleLeases.Value.DisposeAsync().ConfigureAwait(false);
        }

        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }
}
