extern alias btconfig;
using BranchTasks.Testing;
using btconfig::BranchTasks.Configuration;
using btconfig::Microsoft.Extensions.Configuration;

namespace BranchTasks.Configuration.Tests;

/// <summary>
/// The configuration package finds the git dir and reads HEAD with the daemon's own Git readers (compiled in), so
/// it watches the same HEAD the daemon resolves and reports a broken repository the way the daemon would.
/// </summary>
public sealed class GitDiscoveryTests : IDisposable
{
    private readonly TempGitRepository _repo = TempGitRepository.Create();
    private readonly string _home = Directory.CreateTempSubdirectory("bt-cfg-git-").FullName;

    [Fact]
    public void A_linked_worktree_is_watched_through_its_own_git_dir()
    {
        _repo.Commit("init");
        var worktree = _repo.SiblingPath("linked");
        _repo.Run("worktree", "add", "-q", "-b", "feature/linked", worktree);
        using var provider = Provider(worktree, required: false);

        provider.Load();

        Assert.Equal(Path.Combine(Path.GetFullPath(Path.Combine(_repo.Path, ".git")), "worktrees", "linked", "HEAD"), provider.HeadPath);
    }

    [Fact]
    public void A_broken_git_file_fails_with_the_daemons_error_naming_it_instead_of_passing_for_no_repository()
    {
        var folder = _repo.SiblingPath("broken");
        Directory.CreateDirectory(folder);
        var dotGit = Path.Combine(folder, ".git");
        File.WriteAllText(dotGit, "not a gitdir line\n");
        using var provider = Provider(folder, required: true);

        var e = Assert.Throws<BranchTasksConfigurationException>(provider.Load);

        Assert.Equal("BT0102", e.Code);
        Assert.Contains(dotGit, e.Message, StringComparison.Ordinal);
        Assert.Null(provider.HeadPath);
    }

    [Fact]
    public void Outside_any_repository_it_provides_nothing_and_says_so()
    {
        var folder = Directory.CreateTempSubdirectory("bt-cfg-nogit-").FullName;
        try
        {
            string? said = null;
            using var provider = new BranchTasksConfigurationProvider(new BranchTasksConfigurationOptions
            {
                Directory = folder,
                StateDirectory = _home,
                StartDaemon = false,
                OnChange = change => said = change.Error,
            });

            provider.Load();

            Assert.Null(provider.HeadPath);
            Assert.Contains("is not inside a git repository", said, StringComparison.Ordinal);
            Assert.False(provider.TryGet("ConnectionStrings:Default", out _));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private BranchTasksConfigurationProvider Provider(string directory, bool required) =>
        new(new BranchTasksConfigurationOptions { Directory = directory, StateDirectory = _home, StartDaemon = false, Required = required });

    public void Dispose()
    {
        _repo.Dispose();
        Directory.Delete(_home, recursive: true);
    }
}
