namespace BranchTasks.Core.Configuration;

/// <summary>The keys branchtasks.json accepts. The schema test compares these with the shipped schema so they cannot drift.</summary>
internal static class ConfigKeys
{
    public const string Schema = "$schema";
    public const string Provider = "provider";
    public const string Database = "database";
    public const string ConnectionName = "connectionName";
    public const string Parent = "parent";
    public const string CopyData = "copyData";
    public const string AutoCreate = "autoCreate";
    public const string Protected = "protected";
    public const string Map = "map";
    public const string LocalAuth = "localAuth";
    public const string Local = "local";
    public const string Mysql = "mysql";
    public const string PlanetScale = "planetscale";

    public const string ServerPath = "serverPath";
    public const string Port = "port";
    public const string Host = "host";
    public const string DatabasePrefix = "databasePrefix";
    public const string Tls = "tls";
    public const string CaCertificateFile = "caCertificateFile";
    public const string UserSecretsId = "userSecretsId";
    public const string Organization = "organization";

    /// <summary>Not allowed here: the API address is the user's setting (PLANETSCALE_API_URL), never the repository's.</summary>
    public const string ApiUrl = "apiUrl";
    public const string PasswordRole = "passwordRole";
    public const string PasswordTtl = "passwordTtl";
    public const string ReadyTimeout = "readyTimeout";
    public const string AllowProduction = "allowProduction";

    public static readonly IReadOnlyList<string> TopLevel =
        [Schema, Provider, Database, ConnectionName, Parent, CopyData, AutoCreate, Protected, Map, LocalAuth, Local, Mysql, PlanetScale];

    public static readonly IReadOnlyList<string> LocalKeys = [ServerPath, Port];

    public static readonly IReadOnlyList<string> MysqlKeys = [Host, Port, DatabasePrefix, Tls, CaCertificateFile, UserSecretsId];

    public static readonly IReadOnlyList<string> PlanetScaleKeys =
        [Organization, Database, PasswordRole, PasswordTtl, ReadyTimeout, CaCertificateFile, AllowProduction, UserSecretsId];

    public static readonly IReadOnlyList<string> TlsModes = ["verify-full", "verify-ca", "unverified", "unverified-or-plaintext"];

    /// <summary>Old names of the weaker modes, refused with the new names so nobody keeps them unknowingly.</summary>
    public static readonly IReadOnlyDictionary<string, string> RetiredTlsModes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["preferred"] = "unverified-or-plaintext",
        ["required"] = "unverified",
    };

    public static readonly IReadOnlyList<string> PasswordRoles = ["admin", "writer", "readwriter", "reader"];

    public static readonly IReadOnlyList<string> LocalAuthModes = ["none", "token"];

    public static readonly IReadOnlyList<string> Providers = ["local", "mysql", "planetscale"];
}
