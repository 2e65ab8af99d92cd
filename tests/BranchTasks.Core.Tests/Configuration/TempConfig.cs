namespace BranchTasks.Core.Tests.Configuration;

/// <summary>A branchtasks.json in its own temp folder.</summary>
internal sealed class TempConfig : IDisposable
{
    public TempConfig(string json)
    {
        Folder = Path.Combine(Path.GetTempPath(), "bt-config-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "branchtasks.json");
        File.WriteAllText(FilePath, json);
    }

    public string Folder { get; }

    public string FilePath { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
