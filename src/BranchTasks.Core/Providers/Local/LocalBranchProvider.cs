using BranchTasks.Core.Providers.Server;

namespace BranchTasks.Core.Providers.Local;

/// <summary>The <c>local</c> provider: branches as databases on the private server, reached as the project's app account.</summary>
public static class LocalBranchProvider
{
    public const string ProviderName = "local";

    public static ServerBranchProvider Create(LocalServerEndpoint endpoint, string project, BranchOwner owner, IProgress<string>? progress = null) =>
        new(ProviderName, ToBranchServer(endpoint), project, owner) { Progress = progress };

    public static BranchServer ToBranchServer(LocalServerEndpoint endpoint) =>
        new(endpoint.Host, endpoint.Port, endpoint.CreateAdminConnectionString(), endpoint.AppUser, endpoint.AppPassword, UpstreamTlsPolicy.Opportunistic, BranchMetadataStore.DefaultSchemaName)
        {
            Accounts = AppAccountPolicy.ForLocal(endpoint.AccountSecret),
            DataDirectory = endpoint.DataDirectory,
            UnixSocket = endpoint.UnixSocket,
        };
}
