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
        return new BranchTasksConfig
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
            Mysql = Get<JsonElement?>(ConfigKeys.Mysql, (p, v) => ReadOpaqueObject(p, v), null),
            PlanetScale = Get<JsonElement?>(ConfigKeys.PlanetScale, (p, v) => ReadOpaqueObject(p, v), null),
        };
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
        if (!ConfigPatterns.DatabaseRegex().IsMatch(text))
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
            : throw _errors.BadValue(path, value, "Use a TCP port from 1 to 65535, or remove the key to pick a free one.");
    }

    private JsonElement ReadOpaqueObject(ConfigPath path, JsonElement value) =>
        value.ValueKind == JsonValueKind.Object ? value.Clone() : throw _errors.WrongType(path, value, "an object");

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
