using System.Text.Json;

namespace BranchTasks.Core.Platform;

/// <summary>
/// A JSON state file only the current user may read (ports, tokens, credentials, records): written atomically
/// through <see cref="PrivateFile.Write(string, string)"/> (unpredictable temp name, O_EXCL, 0600, rename), read
/// tolerantly: a missing, unreadable or damaged file is no value, with the reason for a log, never an exception.
/// </summary>
public sealed class PrivateJsonFile<T>(string path, JsonSerializerOptions? options = null)
    where T : class
{
    public string Path => path;

    /// <summary>Generated metadata (no reflection); options without a resolver of their own get Core's.</summary>
    private System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> Info =>
        Daemon.DaemonJson.Info<T>(options is null ? Daemon.CoreJson.Plain : options.TypeInfoResolver is null ? new JsonSerializerOptions(options) { TypeInfoResolver = Daemon.CoreJson.Resolver } : options);

    /// <summary>The value, or null when the file is missing, unreadable or not valid JSON for <typeparamref name="T"/>.</summary>
    public T? Read() => TryRead(out _);

    /// <param name="problem">Why there is no value when the file exists but could not be used; null when it is merely missing.</param>
    public T? TryRead(out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} could not be read: {e.Message}";
            return null;
        }

        try
        {
            var value = JsonSerializer.Deserialize(text, Info);
            if (value is null)
            {
                problem = $"{path} holds no value (null)";
            }

            return value;
        }
        catch (JsonException e)
        {
            problem = $"{path} is damaged (not the JSON BranchTasks wrote: {e.Message})";
            return null;
        }
    }

    public void Write(T value) => PrivateFile.Write(path, JsonSerializer.Serialize(value, Info));
}
