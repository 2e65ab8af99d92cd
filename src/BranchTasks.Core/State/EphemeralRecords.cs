using BranchTasks.Core.Platform;

namespace BranchTasks.Core.State;

/// <summary>
/// A throw-away branch (`exec --ephemeral`) and the run it belongs to: written before the branch is created and
/// removed after it is deleted, so a run that died in between (kill -9, a crash) leaves a record that `branch prune`
/// finds, and a live run's branch is told apart by its owner still running.
/// </summary>
/// <param name="Repository">The git common directory of the repository the run was in.</param>
/// <param name="Project">The configured <c>database</c> (the project).</param>
public sealed record EphemeralRecord(
    string Branch,
    string Database,
    string Provider,
    string Project,
    string Repository,
    int OwnerProcessId,
    DateTimeOffset OwnerStartedAt,
    DateTimeOffset CreatedAt)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool OwnerIsRunning => ProcessStartTime.IsRunning(OwnerProcessId, OwnerStartedAt);
}

/// <summary>The <see cref="EphemeralRecord"/>s in the state directory's <c>ephemeral</c> folder, one 0600 file each.</summary>
public sealed class EphemeralRecords(StateDirectory state)
{
    public const string FolderName = "ephemeral";

    public string FolderPath => state.PathOf(FolderName);

    private string Folder => FolderPath;

    public void Write(EphemeralRecord record)
    {
        state.EnsureDirectory(FolderName);
        File(PathOf(record.Provider, record.Database)).Write(record);
    }

    public void Delete(EphemeralRecord record) => System.IO.File.Delete(PathOf(record.Provider, record.Database));

    /// <summary>Every readable record; a file that does not parse is no record (and is left alone).</summary>
    public IReadOnlyList<EphemeralRecord> List()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        var records = new List<EphemeralRecord>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
        {
            if (File(file).Read() is { } record && Path.GetFileName(file) == FileName(record.Provider, record.Database))
            {
                records.Add(record);
            }
        }

        return records;
    }

    private static PrivateJsonFile<EphemeralRecord> File(string path) => new(path, Daemon.CoreJson.Options);

    private string PathOf(string provider, string database) => Path.Combine(Folder, FileName(provider, database));

    // Provider names are [a-z] and database names [a-z0-9_]: nothing in them can leave the folder.
    private static string FileName(string provider, string database) => provider + "-" + database + ".json";
}
