using System.Text.Json;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;

namespace BranchTasks.Core.Configuration;

/// <summary>Finds, parses and validates <c>branchtasks.json</c>.</summary>
public static class ConfigLoader
{
    public const string FileName = "branchtasks.json";

    private const string Example = "{\"provider\":\"local\",\"database\":\"myapp\"}";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// The nearest branchtasks.json at or above <paramref name="startDirectory"/>, stopping at the git work tree
    /// root (inclusive) so a file in an unrelated outer folder is never picked up; null when there is none.
    /// </summary>
    public static string? Find(string startDirectory)
    {
        var start = Path.GetFullPath(startDirectory);
        var stop = GitHeadReader.FindWorkTreeRoot(start);
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            if (stop is not null && PathsEqual(directory.FullName, stop))
            {
                return null;
            }
        }

        return null;
    }

    public static BranchTasksConfig LoadFromDirectory(string startDirectory)
    {
        var path = Find(startDirectory);
        if (path is not null)
        {
            return Load(path);
        }

        var start = Path.GetFullPath(startDirectory);
        var root = GitHeadReader.FindWorkTreeRoot(start);
        var upTo = root is null ? "the filesystem root (this folder is not in a git repository)" : $"the repository root {root}";
        var createAt = root is null ? "Create one in the project folder or a parent folder" : "Create one at the repository root";
        throw new BranchTasksException(
            ErrorCodes.ConfigNotFound,
            $"No {FileName} found in {start} or any parent folder up to {upTo}. {createAt}, e.g. {Example}");
    }

    public static BranchTasksConfig Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var utf8 = ReadBytes(fullPath);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw SyntaxError(fullPath, ex);
        }

        using (document)
        {
            var index = JsonLineIndex.Build(utf8.Span);
            return new ConfigReader(fullPath, index).Read(document.RootElement) with
            {
                ContentHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(utf8.Span)),
            };
        }
    }

    private static ReadOnlyMemory<byte> ReadBytes(string fullPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BranchTasksException(
                ErrorCodes.ConfigNotFound,
                $"{fullPath} does not exist. Create it, e.g. {Example}, or point BranchTasksConfigFile at an existing {FileName}.",
                ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BranchTasksException(
                ErrorCodes.ConfigUnreadable,
                $"{fullPath}: cannot read the file ({ex.Message}). Check that it is a readable file.",
                ex);
        }

        // Editors on Windows like to add a UTF-8 BOM, which the JSON reader rejects.
        var memory = bytes.AsMemory();
        return memory.Span.StartsWith("\uFEFF"u8) ? memory[3..] : memory;
    }

    private static BranchTasksException SyntaxError(string fullPath, JsonException ex)
    {
        var line = (ex.LineNumber ?? 0) + 1;
        var column = (ex.BytePositionInLine ?? 0) + 1;
        // System.Text.Json appends its own 0-based position; ours replaces it.
        var detail = ex.Message;
        var cut = detail.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            detail = detail[..cut];
        }

        detail = detail.TrimEnd().TrimEnd('.');
        return new BranchTasksException(
            ErrorCodes.ConfigSyntax,
            $"{fullPath}({line},{column}): syntax error: {detail}. Fix the JSON at that position (comments and trailing commas are allowed).",
            ex);
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(
            Path.TrimEndingDirectorySeparator(a),
            Path.TrimEndingDirectorySeparator(b),
            OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
