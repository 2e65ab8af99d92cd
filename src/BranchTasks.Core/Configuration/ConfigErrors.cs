using System.Text.Json;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Configuration;

/// <summary>Builds configuration errors in MSBuild's canonical shape: <c>path(line,col): what is wrong. how to fix</c>.</summary>
internal sealed class ConfigErrors(string filePath, JsonLineIndex index)
{
    public BranchTasksException UnknownKey(ConfigPath path, string parentDisplay, IReadOnlyList<string> allowed, int occurrence)
    {
        var suggestion = KeySuggester.Suggest(path.Name, allowed.Where(k => k != ConfigKeys.Schema));
        var didYouMean = suggestion is null ? "" : $" Did you mean '{suggestion}'?";
        var where = parentDisplay.Length == 0 ? "at the top level" : $"in '{parentDisplay}'";
        return At(ErrorCodes.ConfigUnknownKey, index.KeyAt(path.Pointer, occurrence),
            $"unknown key '{path.Display}'.{didYouMean} Allowed keys {where}: {string.Join(", ", allowed)}.");
    }

    public BranchTasksException DuplicateKey(ConfigPath path, int occurrence) =>
        At(ErrorCodes.ConfigDuplicateKey, index.KeyAt(path.Pointer, occurrence),
            $"key '{path.Display}' appears more than once. Keep only one of them.");

    public BranchTasksException WrongType(ConfigPath path, JsonElement actual, string expected) =>
        At(ErrorCodes.ConfigWrongType, index.ValueAt(path.Pointer),
            $"'{path.Display}' must be {expected}, but is {Describe(actual)}. Change the value to {expected}.");

    public BranchTasksException RootNotObject(JsonElement actual) =>
        At(ErrorCodes.ConfigWrongType, index.ValueAt(ConfigPath.Root.Pointer),
            $"the file must hold a JSON object, but holds {Describe(actual)}. Write the settings as an object, e.g. {{\"database\": \"myapp\"}}.");

    public BranchTasksException BadValue(ConfigPath path, JsonElement actual, string allowed) =>
        At(ErrorCodes.ConfigBadValue, index.ValueAt(path.Pointer),
            $"'{path.Display}' is {actual.GetRawText()}, which is not allowed. {allowed}");

    public BranchTasksException UnknownProvider(ConfigPath path, JsonElement actual)
    {
        var suggestion = KeySuggester.Suggest(actual.GetString() ?? "", ConfigKeys.Providers);
        var didYouMean = suggestion is null ? "" : $" Did you mean '{suggestion}'?";
        return At(ErrorCodes.UnknownProvider, index.ValueAt(path.Pointer),
            $"'{path.Display}' is {actual.GetRawText()}, which is not a known provider.{didYouMean} Use one of: {string.Join(", ", ConfigKeys.Providers)}.");
    }

    public BranchTasksException MissingKey(ConfigPath parent, string key, string example) =>
        At(ErrorCodes.ConfigMissingKey, index.ValueAt(parent.Pointer),
            $"required key '{key}' is missing. Add it, e.g. {example}.");

    public BranchTasksException RepositoryApiUrl(ConfigPath path) =>
        At(ErrorCodes.ApiAddressNotAllowed, index.KeyAt(path.Pointer, 0),
            $"'{path.Display}' is not allowed in a repository's file: whoever controls a checked-out branch would decide where your PlanetScale service token goes (pscale refuses api-url from project config for the same reason). " +
            "Remove it; to use another API address, set PLANETSCALE_API_URL in your environment or BranchTasks:PlanetScale:ApiUrl in your user secrets (https, or http to a loopback address).");

    private BranchTasksException At(string code, JsonPosition position, string message) =>
        new(code, $"{filePath}({position.Line},{position.Column}): {message}");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"a string ({Shorten(value.GetRawText())})",
        JsonValueKind.Number => $"a number ({Shorten(value.GetRawText())})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({value.GetRawText()})",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}

/// <summary>A key's location: JSON pointer for the line index, display form (<c>local.port</c>) for messages.</summary>
internal readonly record struct ConfigPath(string Pointer, string Display, string Name)
{
    public static readonly ConfigPath Root = new("", "", "");

    public ConfigPath Property(string name) =>
        new(Pointer + "/" + JsonLineIndex.Escape(name), Display.Length == 0 ? name : $"{Display}.{name}", name);

    /// <summary>Map keys are globs with dots and slashes, so they are quoted in messages.</summary>
    public ConfigPath Entry(string key) => new(Pointer + "/" + JsonLineIndex.Escape(key), $"{Display}[\"{key}\"]", key);

    public ConfigPath Item(int i) => new(Pointer + "/" + i, $"{Display}[{i}]", Name);
}
