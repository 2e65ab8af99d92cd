using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Configuration;

public sealed class ConfigFinderTests
{
    [Fact]
    public void Finds_the_file_at_the_repository_root_from_a_nested_project()
    {
        using var repo = TempGitRepository.Create();
        var expected = repo.WriteFile("branchtasks.json", """{ "database": "shop" }""");
        var project = Path.Combine(repo.Path, "src", "Shop.Web");
        Directory.CreateDirectory(project);

        Assert.Equal(expected, ConfigLoader.Find(project));
        Assert.Equal("shop", ConfigLoader.LoadFromDirectory(project).Database);
    }

    [Fact]
    public void Nearest_file_wins()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "database": "outer" }""");
        var inner = repo.WriteFile("src/app/branchtasks.json", """{ "database": "inner" }""");

        Assert.Equal(inner, ConfigLoader.Find(Path.Combine(repo.Path, "src", "app")));
    }

    [Fact]
    public void Stops_at_the_repository_root()
    {
        using var repo = TempGitRepository.Create();
        // A file above the work tree belongs to something else and must not be picked up.
        File.WriteAllText(repo.SiblingPath("branchtasks.json"), """{ "database": "outside" }""");
        var project = Path.Combine(repo.Path, "src");
        Directory.CreateDirectory(project);

        Assert.Null(ConfigLoader.Find(project));
        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.LoadFromDirectory(project));
        Assert.Equal(ErrorCodes.ConfigNotFound, ex.Code);
        Assert.Equal(
            $"No branchtasks.json found in {project} or any parent folder up to the repository root {repo.Path}. Create one at the repository root, e.g. {{\"provider\":\"local\",\"database\":\"myapp\"}}",
            ex.Message);
    }

    [Fact]
    public void Outside_a_repository_walks_up_to_the_filesystem_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "bt-noreponest-" + Guid.NewGuid().ToString("N")[..12]);
        var nested = Path.Combine(root, "a", "b");
        Directory.CreateDirectory(nested);
        try
        {
            File.WriteAllText(Path.Combine(root, "branchtasks.json"), """{ "database": "x" }""");

            Assert.Equal(Path.Combine(root, "branchtasks.json"), ConfigLoader.Find(nested));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
