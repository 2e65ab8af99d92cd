using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Tunnel;
using MySqlConnector;

namespace BranchTasks.Core.Providers.Server;

/// <summary>The <c>mysql</c> provider's server: a shared MySQL/MariaDB server, reached with the user's own admin credentials.</summary>
public static class MySqlBranchServer
{
    public const string UserSecretKey = "BranchTasks:MySql:User";
    public const string PasswordSecretKey = "BranchTasks:MySql:Password";

    public static BranchServer Create(BranchTasksConfig config, ProviderCredentials credentials)
    {
        var settings = config.Mysql!;
        var user = credentials.Get(CredentialEnvironment.MySqlUser, UserSecretKey);
        var password = credentials.Get(CredentialEnvironment.MySqlPassword, PasswordSecretKey);
        if (user is null || password is null)
        {
            var missing = user is null ? CredentialEnvironment.MySqlUser : CredentialEnvironment.MySqlPassword;
            var secrets = credentials.UserSecretsId is null
                ? $"or set \"userSecretsId\" in the \"mysql\" settings of {config.FilePath} and store them with `dotnet user-secrets set {UserSecretKey} <user> --id <id>` (and {PasswordSecretKey}, {CredentialBinding.MySqlHostSecretKey})"
                : $"or store them in user secrets {credentials.UserSecretsId} as {UserSecretKey}, {PasswordSecretKey} and {CredentialBinding.MySqlHostSecretKey}";
            throw new BranchTasksException(
                ErrorCodes.ProviderCredentialsMissing,
                $"The mysql provider needs admin credentials for {settings.Host}:{settings.Port}, and {missing} is not set. " +
                $"Set {CredentialEnvironment.MySqlUser}, {CredentialEnvironment.MySqlPassword} and {CredentialEnvironment.MySqlHost}={settings.Host}:{settings.Port} (the server they are for) in the environment, {secrets}. Never put them in {Path.GetFileName(config.FilePath)}.");
        }

        // Before any connection: a checked-out branchtasks.json must not be able to send the password elsewhere.
        CredentialBinding.CheckMySql(config, settings, credentials);
        var tls = TlsPolicy(settings);
        var admin = new MySqlConnectionStringBuilder
        {
            Server = settings.Host,
            Port = (uint)settings.Port,
            UserID = user,
            Password = password,
            Pooling = true,
            AllowUserVariables = true,
            ConnectionTimeout = 10,
        };
        return new BranchServer(settings.Host, settings.Port, admin, user, password, tls, BranchMetadataStore.SchemaNameFor(settings.DatabasePrefix ?? MySqlDatabasePrefix.For(user)))
        {
            SchemaOwner = user,
        };
    }

    public static UpstreamTlsPolicy TlsPolicy(MySqlSettings settings) => settings.Tls switch
    {
        "unverified-or-plaintext" => new UpstreamTlsPolicy(false, UpstreamCertificateCheck.None, settings.CaCertificateFile),
        "unverified" => new UpstreamTlsPolicy(true, UpstreamCertificateCheck.None, settings.CaCertificateFile),
        "verify-ca" => new UpstreamTlsPolicy(true, UpstreamCertificateCheck.Ca, settings.CaCertificateFile),
        _ => new UpstreamTlsPolicy(true, UpstreamCertificateCheck.Full, settings.CaCertificateFile),
    };

    /// <summary>Logs in once up front, so a wrong password or an unreachable server is one clear error, not a failure deep inside a clone.</summary>
    public static async Task CheckLoginAsync(BranchServer server, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await server.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e)
        {
            var hint = e.ErrorCode switch
            {
                MySqlErrorCode.AccessDenied => $"Check {CredentialEnvironment.MySqlUser} and {CredentialEnvironment.MySqlPassword}.",
                MySqlErrorCode.UnableToConnectToHost => "Check \"host\" and \"port\" in the \"mysql\" settings and that the server is reachable from here.",
                _ => "Check the \"mysql\" settings (host, port, tls) and the credentials.",
            };
            throw new BranchTasksException(
                ErrorCodes.ProviderLoginFailed,
                $"Could not log in to the mysql server {server.Host}:{server.Port} as '{server.UpstreamUser}': {e.Message} {hint}",
                e);
        }
    }
}
