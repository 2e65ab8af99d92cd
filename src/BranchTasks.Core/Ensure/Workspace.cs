using BranchTasks.Core.Configuration;
using BranchTasks.Core.Git;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Ensure;

/// <summary>
/// A caller's view of its repository: the configuration that applies, the git branch it is on and the
/// database branch that maps to. Read fresh on every request: reading a few small files costs less than
/// a stale answer after `git checkout`.
/// </summary>
public sealed record Workspace(BranchTasksConfig Config, GitHead Head, ResolvedGitBranch GitBranch, BranchTarget Target, string ConnectionName)
{
    /// <summary>The caller's provider secrets (environment sent with the request, user secrets).</summary>
    public ProviderCredentials Credentials { get; init; } = ProviderCredentials.None;

    /// <summary>The user-secrets store the provider's settings name, else the calling project's.</summary>
    public static string? UserSecretsIdFor(BranchTasksConfig config, string? projectUserSecretsId) => config.Provider switch
    {
        "mysql" => config.Mysql?.UserSecretsId,
        "planetscale" => config.PlanetScale?.UserSecretsId,
        _ => null,
    } ?? projectUserSecretsId;

    public static Workspace Open(string directory, string? configFile, string? branchOverride, string? connectionName)
    {
        var fullDirectory = Path.GetFullPath(directory);
        var config = string.IsNullOrWhiteSpace(configFile)
            ? ConfigLoader.LoadFromDirectory(fullDirectory)
            : ConfigLoader.Load(Path.GetFullPath(configFile, fullDirectory));
        var head = GitHeadReader.Read(fullDirectory);
        var gitBranch = GitBranchResolver.Resolve(head, branchOverride, config.Parent);
        var target = BranchMapper.Map(config, gitBranch.Name);
        return new Workspace(config, head, gitBranch, target, string.IsNullOrWhiteSpace(connectionName) ? config.ConnectionName : connectionName);
    }

    /// <summary>
    /// This workspace with the caller's provider secrets. On a shared <c>mysql</c> server without a configured
    /// <c>databasePrefix</c> the login in them decides the prefix (each developer their own), so names are mapped again.
    /// </summary>
    public Workspace WithCredentials(ProviderCredentials credentials)
    {
        var config = Config;
        if (config is { Provider: "mysql", Mysql: { DatabasePrefix: null } mysql }
            && credentials.Get(CredentialEnvironment.MySqlUser, Providers.Server.MySqlBranchServer.UserSecretKey) is { } login)
        {
            config = config with { Mysql = mysql with { DatabasePrefix = Providers.Server.MySqlDatabasePrefix.For(login) } };
        }

        return this with
        {
            Config = config,
            Target = ReferenceEquals(config, Config) ? Target : BranchMapper.Map(config, GitBranch.Name),
            Credentials = credentials,
        };
    }

    /// <summary>The repository and developer that branches made for this workspace are recorded under.</summary>
    public RepositoryIdentity Repository => _repository ??= RepositoryIdentity.Of(Head);

    private RepositoryIdentity? _repository;

    /// <summary>Maps a name given on the command line: an existing database branch name, else a git branch name.</summary>
    public BranchTarget TargetFor(string name) => BranchMapper.Map(Config, name);
}
