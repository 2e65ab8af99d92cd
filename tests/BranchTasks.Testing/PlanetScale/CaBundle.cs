namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// One PEM file with the self-signed certificate of every branch server, for a client's extra CA file, so
/// the MySQL leg can be verified fully (chain and host name) against any branch.
/// </summary>
internal sealed class CaBundle(string path)
{
    private readonly object _gate = new();

    public string Path { get; } = path;

    public void Rewrite(IEnumerable<string> certificateFiles)
    {
        var pem = string.Concat(certificateFiles.Where(File.Exists).Select(f => File.ReadAllText(f).TrimEnd() + "\n"));
        lock (_gate)
        {
            // Replaced in one rename, so a client reading it meanwhile never sees half a bundle.
            var temp = Path + ".tmp";
            File.WriteAllText(temp, pem);
            File.Move(temp, Path, overwrite: true);
        }
    }
}
