using System.Text.Json;
using BranchTasks.Core.Git;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Configuration;

/// <summary>
/// Validates a parsed branchtasks.json by hand, key by key, so every error names the key, its line and what is
/// allowed (a serializer would report type names and .NET paths instead).
/// </summary>
internal sealed class ConfigReader(string filePath, JsonLineIndex index)
{
    private readonly ConfigErrors _errors = new(filePath, index);

    public BranchTasksConfig Read(JsonElement root)
    {
        var top = ConfigPath.Root;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw _errors.RootNotObject(root);
        }

        var properties = Properties(root, top, ConfigKeys.TopLevel);
        var databaseValue = properties.GetValueOrDefault(ConfigKeys.Database);
        if (databaseValue.ValueKind == JsonValueKind.Undefined)
        {
            throw _errors.MissingKey(top, ConfigKeys.Database, "\"database\": \"myapp\" (the project's name, which prefixes its databases)");
        }

        var defaults = new BranchTasksConfig { FilePath = filePath, Database = ReadDatabase(top.Property(ConfigKeys.Database), databaseValue) };
        T Get<T>(string key, Func<ConfigPath, JsonElement, T> read, T fallback) =>
            properties.TryGetValue(key, out var value) ? read(top.Property(key), value) : fallback;

        // Read in a fixed order, not file order, so which error wins does not depend on how the file is laid out.
        var config = new BranchTasksConfig
        {
            FilePath = filePath,
            Database = defaults.Database,
            Provider = Get(ConfigKeys.Provider, ReadProvider, defaults.Provider),
            ConnectionName = Get(ConfigKeys.ConnectionName, ReadConnectionName, defaults.ConnectionName),
            Parent = Get(ConfigKeys.Parent, ReadParent, defaults.Parent),
            CopyData = Get(ConfigKeys.CopyData, ReadBool, defaults.CopyData),
            AutoCreate = Get(ConfigKeys.AutoCreate, ReadBool, defaults.AutoCreate),
            Protected = Get(ConfigKeys.Protected, ReadProtected, defaults.Protected),
            Map = Get(ConfigKeys.Map, ReadMap, defaults.Map),
            LocalAuth = Get(ConfigKeys.LocalAuth, ReadLocalAuth, defaults.LocalAuth),
            Local = Get(ConfigKeys.Local, ReadLocal, defaults.Local),
            Mysql = Get<MySqlSettings?>(ConfigKeys.Mysql, ReadMysql, null),
            PlanetScale = Get<PlanetScaleSettings?>(ConfigKeys.PlanetScale, (p, v) => ReadPlanetScale(p, v, defaults.Database), null),
        };

        // A provider without its settings cannot know where its branches live.
        if (config.Provider == "mysql" && config.Mysql is null)
        {
            throw _errors.MissingKey(top, ConfigKeys.Mysql, "\"mysql\": {\"host\": \"db.dev.example.com\"} (the shared server; credentials come from BRANCHTASKS_MYSQL_USER, BRANCHTASKS_MYSQL_PASSWORD and BRANCHTASKS_MYSQL_HOST)");
        }

        if (config.Provider == "planetscale" && config.PlanetScale is null)
        {
            throw _errors.MissingKey(top, ConfigKeys.PlanetScale, "\"planetscale\": {\"organization\": \"acme\"} (the service token comes from PLANETSCALE_SERVICE_TOKEN_ID and PLANETSCALE_SERVICE_TOKEN)");
        }

        return config;
    }

    /// <summary>The object's properties, rejecting unknown and duplicate keys.</summary>
    private Dictionary<string, JsonElement> Properties(JsonElement obj, ConfigPath path, IReadOnlyList<string> allowed)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var occurrence = seen.GetValueOrDefault(property.Name);
            seen[property.Name] = occurrence + 1;
            var child = path.Property(property.Name);
            if (!allowed.Contains(property.Name))
            {
                throw _errors.UnknownKey(child, path.Display, allowed, occurrence);
            }

            if (occurrence > 0)
            {
                throw _errors.DuplicateKey(child, occurrence);
            }

            result[property.Name] = property.Value;
        }

        return result;
    }

    private string ReadDatabase(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        if (!BranchNames.IsValidProjectName(text))
        {
            throw _errors.BadValue(path, value,
                "Use 1-32 ASCII letters, digits and '_', starting with a letter (it prefixes the physical name of every database branch), e.g. \"myapp\".");
        }

        return text.ToLowerInvariant();
    }

    private string ReadProvider(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return ConfigKeys.Providers.Contains(text) ? text : throw _errors.UnknownProvider(path, value);
    }

    private string ReadConnectionName(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return ConfigPatterns.ConnectionNameRegex().IsMatch(text)
            ? text
            : throw _errors.BadValue(path, value, "Use ASCII letters, digits, '_', '.' and '-' (it becomes ConnectionStrings:<name>), e.g. \"Default\".");
    }

    private string ReadParent(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return GitRefNames.IsValidBranchName(text)
            ? text
            : throw _errors.BadValue(path, value, "Use the name of a git branch as git spells it, e.g. \"main\".");
    }

    private string ReadLocalAuth(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return ConfigKeys.LocalAuthModes.Contains(text)
            ? text
            : throw _errors.BadValue(path, value, "Use \"none\" (apps log in to the tunnel without a password; the default) or \"token\" (the tunnel requires a random password that only the connection string BranchTasks injects carries).");
    }

    private IReadOnlyList<string> ReadProtected(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw _errors.WrongType(path, value, "an array of database branch names");
        }

        var result = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = path.Item(i++);
            var name = ReadString(itemPath, item);
            if (!BranchNames.IsValidBranchName(name))
            {
                throw _errors.BadValue(itemPath, item, $"{BranchNameRule} If you meant the git branch '{name}', its database branch is \"{BranchNames.ToBranchName(name)}\".");
            }

            result.Add(name);
        }

        return result;
    }

    private IReadOnlyList<MapRule> ReadMap(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw _errors.WrongType(path, value, "an object of git branch glob to database branch name, e.g. {\"release/*\": \"staging\"}");
        }

        var rules = new List<MapRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var entryPath = path.Entry(property.Name);
            if (!seen.Add(property.Name))
            {
                throw _errors.DuplicateKey(entryPath, 1);
            }

            if (property.Name.Length == 0)
            {
                throw _errors.BadValue(entryPath, property.Value, "The glob must not be empty; use \"*\", \"**\" or a git branch name.");
            }

            var branch = ReadString(entryPath, property.Value);
            if (!BranchNames.IsValidBranchName(branch))
            {
                throw _errors.BadValue(entryPath, property.Value, $"{BranchNameRule} For example \"{Suggestion(branch)}\".");
            }

            rules.Add(new MapRule(property.Name, branch));
        }

        return rules;
    }

    private LocalSettings ReadLocal(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw _errors.WrongType(path, value, "an object, e.g. {\"port\": 3390}");
        }

        string? serverPath = null;
        int? port = null;
        foreach (var (key, item) in Properties(value, path, ConfigKeys.LocalKeys))
        {
            var itemPath = path.Property(key);
            if (key == ConfigKeys.ServerPath)
            {
                serverPath = ReadServerPath(itemPath, item);
            }
            else
            {
                port = ReadPort(itemPath, item);
            }
        }

        return new LocalSettings { ServerPath = serverPath, Port = port };
    }

    private string ReadServerPath(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        if (text.Trim().Length == 0)
        {
            throw _errors.BadValue(path, value, "Give the path of mariadbd or mysqld, or remove the key to search PATH.");
        }

        // A relative path with a folder in it means "next to this file", whatever folder the build runs in;
        // a bare file name is left for a PATH search.
        var hasFolder = text.Contains('/') || text.Contains(Path.DirectorySeparatorChar);
        return hasFolder && !Path.IsPathRooted(text)
            ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(filePath)!, text))
            : text;
    }

    private int ReadPort(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var port))
        {
            throw _errors.WrongType(path, value, "an integer");
        }

        return port is >= 1 and <= 65535
            ? (int)port
            : throw _errors.BadValue(path, value, "Use a TCP port from 1 to 65535, or remove the key for the default.");
    }

    private MySqlSettings ReadMysql(ConfigPath path, JsonElement value)
    {
        var properties = ReadSettingsObject(path, value, ConfigKeys.MysqlKeys, "an object, e.g. {\"host\": \"db.dev.example.com\"}");
        T Get<T>(string key, Func<ConfigPath, JsonElement, T> read, T fallback) =>
            properties.TryGetValue(key, out var item) ? read(path.Property(key), item) : fallback;
        if (!properties.ContainsKey(ConfigKeys.Host))
        {
            throw _errors.MissingKey(path, ConfigKeys.Host, "\"host\": \"db.dev.example.com\"");
        }

        return new MySqlSettings
        {
            Host = Get(ConfigKeys.Host, ReadHost, ""),
            Port = Get(ConfigKeys.Port, ReadPort, 3306),
            DatabasePrefix = Get<string?>(ConfigKeys.DatabasePrefix, ReadDatabasePrefix, null),
            Tls = Get(ConfigKeys.Tls, ReadTls, "verify-full"),
            CaCertificateFile = Get<string?>(ConfigKeys.CaCertificateFile, ReadExistingFile, null),
            UserSecretsId = Get<string?>(ConfigKeys.UserSecretsId, ReadUserSecretsId, null),
        };
    }

    /// <summary>A provider's settings object: its properties, unknown and duplicate keys rejected.</summary>
    private Dictionary<string, JsonElement> ReadSettingsObject(ConfigPath path, JsonElement value, IReadOnlyList<string> allowed, string expected) =>
        value.ValueKind == JsonValueKind.Object ? Properties(value, path, allowed) : throw _errors.WrongType(path, value, expected);

    private PlanetScaleSettings ReadPlanetScale(ConfigPath path, JsonElement value, string projectDatabase)
    {
        // Before the unknown-key check, so the message says why rather than just "unknown".
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(ConfigKeys.ApiUrl, out _))
        {
            throw _errors.RepositoryApiUrl(path.Property(ConfigKeys.ApiUrl));
        }

        var properties = ReadSettingsObject(path, value, ConfigKeys.PlanetScaleKeys, "an object, e.g. {\"organization\": \"acme\"}");
        T Get<T>(string key, Func<ConfigPath, JsonElement, T> read, T fallback) =>
            properties.TryGetValue(key, out var item) ? read(path.Property(key), item) : fallback;
        if (!properties.ContainsKey(ConfigKeys.Organization))
        {
            throw _errors.MissingKey(path, ConfigKeys.Organization, "\"organization\": \"acme\" (the PlanetScale organization holding the database)");
        }

        if (!properties.ContainsKey(ConfigKeys.Database) && !ConfigPatterns.PlanetScaleNameRegex().IsMatch(projectDatabase))
        {
            throw _errors.MissingKey(path, ConfigKeys.Database,
                $"\"database\": \"{projectDatabase.Replace('_', '-')}\" (the PlanetScale database; the top-level \"database\" '{projectDatabase}' is not a valid PlanetScale name, which is lowercase letters, digits and '-')");
        }

        var ttl = Get(ConfigKeys.PasswordTtl, (p, v) => ReadSeconds(p, v, 5, 30 * 24 * 3600), 3600);
        var ready = Get(ConfigKeys.ReadyTimeout, (p, v) => ReadSeconds(p, v, 1, 24 * 3600), 600);
        return new PlanetScaleSettings
        {
            Organization = Get(ConfigKeys.Organization, ReadPlanetScaleName, ""),
            Database = Get(ConfigKeys.Database, ReadPlanetScaleName, projectDatabase),
            PasswordRole = Get(ConfigKeys.PasswordRole, (p, v) => ReadChoice(p, v, ConfigKeys.PasswordRoles,
                "\"admin\" (the default: schema changes and data), \"readwriter\", \"writer\" or \"reader\""), "admin"),
            PasswordTtl = TimeSpan.FromSeconds(ttl),
            ReadyTimeout = TimeSpan.FromSeconds(ready),
            CaCertificateFile = Get<string?>(ConfigKeys.CaCertificateFile, ReadExistingFile, null),
            AllowProduction = Get(ConfigKeys.AllowProduction, ReadBool, false),
            UserSecretsId = Get<string?>(ConfigKeys.UserSecretsId, ReadUserSecretsId, null),
        };
    }

    private string ReadHost(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return Uri.CheckHostName(text) != UriHostNameType.Unknown
            ? text
            : throw _errors.BadValue(path, value, "Use a host name or IP address, without port or scheme, e.g. \"db.dev.example.com\" (the port goes in \"port\").");
    }

    private string ReadDatabasePrefix(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw _errors.WrongType(path, value, "a string");
        }

        var text = value.GetString()!;
        return ConfigPatterns.DatabasePrefixRegex().IsMatch(text)
            ? text
            : throw _errors.BadValue(path, value, "Use up to 24 lowercase letters, digits and '_', e.g. \"alice_\" (it starts the name of every database BranchTasks creates on the server).");
    }

    private string ReadPlanetScaleName(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return ConfigPatterns.PlanetScaleNameRegex().IsMatch(text)
            ? text
            : throw _errors.BadValue(path, value, "Use the name as PlanetScale shows it: lowercase letters, digits and '-', e.g. \"acme\".");
    }

    private string ReadTls(ConfigPath path, JsonElement value)
    {
        const string help = "\"verify-full\" (the default: certificate and host name checked), \"verify-ca\" (certificate checked, any host name), " +
            "\"unverified\" (TLS, but anyone in the middle can pose as the server) or \"unverified-or-plaintext\" (TLS only when offered, else plain text)";
        var text = ReadString(path, value);
        if (ConfigKeys.RetiredTlsModes.TryGetValue(text, out var renamed))
        {
            throw _errors.BadValue(path, value, $"It was renamed to \"{renamed}\", which says what it gives up: the server is not verified. Prefer \"verify-full\" (add \"caCertificateFile\" for a private CA); the modes are {help}.");
        }

        return ConfigKeys.TlsModes.Contains(text) ? text : throw _errors.BadValue(path, value, $"Use {help}.");
    }

    private string ReadChoice(ConfigPath path, JsonElement value, IReadOnlyList<string> allowed, string help)
    {
        var text = ReadString(path, value);
        return allowed.Contains(text) ? text : throw _errors.BadValue(path, value, $"Use {help}.");
    }

    private int ReadSeconds(ConfigPath path, JsonElement value, int min, int max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds))
        {
            throw _errors.WrongType(path, value, "an integer number of seconds");
        }

        return seconds >= min && seconds <= max
            ? (int)seconds
            : throw _errors.BadValue(path, value, $"Use a number of seconds from {min} to {max}.");
    }

    private string ReadExistingFile(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        var full = Path.GetFullPath(text, Path.GetDirectoryName(filePath)!);
        return File.Exists(full)
            ? full
            : throw _errors.BadValue(path, value, $"There is no file {full}. Give the path of a PEM file with the CA certificate(s), absolute or relative to this file.");
    }

    private string ReadUserSecretsId(ConfigPath path, JsonElement value)
    {
        var text = ReadString(path, value);
        return ConfigPatterns.UserSecretsIdRegex().IsMatch(text)
            ? text
            : throw _errors.BadValue(path, value, "Use the project's <UserSecretsId> (letters, digits, '.', '_' and '-'), as `dotnet user-secrets init` writes it.");
    }

    private bool ReadBool(ConfigPath path, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw _errors.WrongType(path, value, "a boolean (true or false)"),
    };

    private string ReadString(ConfigPath path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw _errors.WrongType(path, value, "a string");
        }

        var text = value.GetString()!;
        return text.Length > 0 ? text : throw _errors.BadValue(path, value, "It must not be empty.");
    }

    private static string Suggestion(string branch)
    {
        var sanitized = BranchNames.Sanitize(branch);
        return sanitized.Length <= ConfigPatterns.MaxBranchLength ? sanitized : sanitized[..ConfigPatterns.MaxBranchLength].TrimEnd('-');
    }

    private static string BranchNameRule =>
        $"A database branch name is 1-{ConfigPatterns.MaxBranchLength} characters of lowercase letters, digits and '-', starting with a letter or digit.";
}
