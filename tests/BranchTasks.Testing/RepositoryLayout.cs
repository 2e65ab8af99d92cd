namespace BranchTasks.Testing;

/// <summary>Where things are in this repository, found from the test binaries' folder.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Packages => Path.Combine(Root, "artifacts", "packages");

    public static string Samples => Path.Combine(Root, "samples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BranchTasks.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BranchTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
