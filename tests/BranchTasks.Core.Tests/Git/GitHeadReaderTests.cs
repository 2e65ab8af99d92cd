using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Git;

public sealed class GitHeadReaderTests
{
    [Fact]
    public void Plain_repository_on_main()
    {
        using var repo = TempGitRepository.Create();
        var commit = repo.Commit("first");

        var head = GitHeadReader.Read(repo.Path);

        Assert.Equal("main", head.Branch);
        Assert.Equal(commit, head.Commit);
        Assert.Null(head.RebasingBranch);
        Assert.Equal(Path.GetFullPath(repo.Path), head.WorkTreeRoot);
        Assert.Equal(Path.Combine(head.WorkTreeRoot, ".git"), head.GitDir);
        Assert.Equal(head.GitDir, head.CommonDir);
    }

    [Fact]
    public void Reads_from_a_nested_folder()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("src/app/Program.cs", "// app");
        repo.Commit("first");

        var head = GitHeadReader.Read(Path.Combine(repo.Path, "src", "app"));

        Assert.Equal("main", head.Branch);
        Assert.Equal(Path.GetFullPath(repo.Path), head.WorkTreeRoot);
        Assert.Equal(Path.GetFullPath(repo.Path), GitHeadReader.FindWorkTreeRoot(Path.Combine(repo.Path, "src")));
    }

    [Fact]
    public void Branch_with_slashes_keeps_them()
    {
        using var repo = TempGitRepository.Create();
        var commit = repo.Commit("first");
        repo.Run("checkout", "--quiet", "-b", "feature/team/JIRA-12_login");

        var head = GitHeadReader.Read(repo.Path);

        Assert.Equal("feature/team/JIRA-12_login", head.Branch);
        Assert.Equal(commit, head.Commit);
    }

    [Fact]
    public void Linked_worktree_reads_its_own_head_and_shared_refs()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("first");
        var worktree = repo.SiblingPath("wt");
        repo.Run("worktree", "add", "--quiet", "-b", "feature/wt", worktree);
        repo.WriteFile("../wt/file.txt", "x");
        repo.RunIn(worktree, "add", "--all");
        repo.RunIn(worktree, "commit", "--quiet", "-m", "in worktree");
        var worktreeCommit = repo.RunIn(worktree, "rev-parse", "HEAD").Trim();

        var head = GitHeadReader.Read(worktree);
        var mainHead = GitHeadReader.Read(repo.Path);

        Assert.Equal("feature/wt", head.Branch);
        Assert.Equal(worktreeCommit, head.Commit);
        Assert.Equal(Path.GetFullPath(worktree), head.WorkTreeRoot);
        Assert.Equal(Path.Combine(Path.GetFullPath(repo.Path), ".git", "worktrees", "wt"), head.GitDir);
        Assert.Equal(Path.Combine(Path.GetFullPath(repo.Path), ".git"), head.CommonDir);
        Assert.Equal("main", mainHead.Branch);
        Assert.NotEqual(mainHead.Commit, head.Commit);
    }

    [Fact]
    public void Relative_gitdir_file_resolves_against_its_folder()
    {
        using var repo = TempGitRepository.Create();
        var commit = repo.Commit("first");
        var worktree = repo.SiblingPath("wt-relative");
        repo.Run("worktree", "add", "--quiet", "-b", "rel", worktree);
        // Submodules and `worktree.useRelativePaths` write a relative gitdir; rewrite it to prove it resolves.
        var relative = Path.GetRelativePath(worktree, Path.Combine(repo.Path, ".git", "worktrees", "wt-relative"));
        File.WriteAllText(Path.Combine(worktree, ".git"), $"gitdir: {relative}\n");

        var head = GitHeadReader.Read(worktree);

        Assert.Equal("rel", head.Branch);
        Assert.Equal(commit, head.Commit);
    }

    [Fact]
    public void Submodule_reads_its_own_head()
    {
        using var library = TempGitRepository.Create();
        var libraryCommit = library.Commit("library");
        using var app = TempGitRepository.Create();
        app.Commit("app");
        app.Run("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", library.Path, "lib");

        var head = GitHeadReader.Read(Path.Combine(app.Path, "lib"));

        Assert.Equal(Path.Combine(Path.GetFullPath(app.Path), "lib"), head.WorkTreeRoot);
        Assert.Equal(Path.Combine(Path.GetFullPath(app.Path), ".git", "modules", "lib"), head.GitDir);
        Assert.Equal(libraryCommit, head.Commit);
    }

    [Fact]
    public void Detached_head_has_no_branch()
    {
        using var repo = TempGitRepository.Create();
        var first = repo.Commit("first");
        repo.Commit("second");
        repo.Run("checkout", "--quiet", "--detach", first);

        var head = GitHeadReader.Read(repo.Path);

        Assert.Null(head.Branch);
        Assert.Equal(first, head.Commit);
        Assert.Null(head.RebasingBranch);
    }

    [Fact]
    public void Packed_refs_resolve()
    {
        using var repo = TempGitRepository.Create();
        var commit = repo.Commit("first");
        repo.Run("checkout", "--quiet", "-b", "feature/packed");
        repo.Run("tag", "-a", "v1", "-m", "annotated tag adds a peeled ^ line");
        repo.Run("pack-refs", "--all");
        Assert.False(File.Exists(Path.Combine(repo.Path, ".git", "refs", "heads", "feature", "packed")));

        var head = GitHeadReader.Read(repo.Path);

        Assert.Equal("feature/packed", head.Branch);
        Assert.Equal(commit, head.Commit);
    }

    [Fact]
    public void Loose_ref_wins_over_stale_packed_ref()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("first");
        repo.Run("pack-refs", "--all");
        var second = repo.Commit("second");

        Assert.Equal(second, GitHeadReader.Read(repo.Path).Commit);
    }

    [Fact]
    public void Unborn_branch_has_no_commit()
    {
        using var repo = TempGitRepository.Create();

        var head = GitHeadReader.Read(repo.Path);

        Assert.Equal("main", head.Branch);
        Assert.Null(head.Commit);
    }

    [Fact]
    public void Rebase_in_progress_reports_the_rebasing_branch()
    {
        using var repo = CreateConflictingBranches();

        var result = repo.TryRun("rebase", "main");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(Directory.Exists(Path.Combine(repo.Path, ".git", "rebase-merge")), "expected a merge-backend rebase to stop on the conflict");
        var head = GitHeadReader.Read(repo.Path);
        Assert.Null(head.Branch);
        Assert.NotNull(head.Commit);
        Assert.Equal("feature/rebase-me", head.RebasingBranch);
    }

    [Fact]
    public void Apply_rebase_in_progress_reports_the_rebasing_branch()
    {
        using var repo = CreateConflictingBranches();

        var result = repo.TryRun("rebase", "--apply", "main");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(Directory.Exists(Path.Combine(repo.Path, ".git", "rebase-apply")), "expected an apply-backend rebase to stop on the conflict");
        Assert.Equal("feature/rebase-me", GitHeadReader.Read(repo.Path).RebasingBranch);
    }

    [Fact]
    public void Not_a_repository_names_the_folder_and_the_fix()
    {
        var folder = Path.Combine(Path.GetTempPath(), "bt-norepo-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            Assert.Null(GitHeadReader.FindWorkTreeRoot(folder)); // precondition: the temp folder is not inside a repository

            var ex = Assert.Throws<BranchTasksException>(() => GitHeadReader.Read(folder));

            Assert.Equal(ErrorCodes.NotAGitRepository, ex.Code);
            Assert.Contains(folder, ex.Message);
            Assert.Contains("git init", ex.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Corrupt_head_names_the_file()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("first");
        var headPath = Path.Combine(repo.Path, ".git", "HEAD");
        File.WriteAllText(headPath, "garbage\n");

        var ex = Assert.Throws<BranchTasksException>(() => GitHeadReader.Read(repo.Path));

        Assert.Equal(ErrorCodes.GitRepositoryUnreadable, ex.Code);
        Assert.Contains(headPath, ex.Message);
    }

    [Fact]
    public void Broken_gitdir_file_names_the_file()
    {
        using var repo = TempGitRepository.Create();
        var worktree = repo.SiblingPath("broken");
        Directory.CreateDirectory(worktree);
        var dotGit = Path.Combine(worktree, ".git");
        File.WriteAllText(dotGit, "not a gitdir line\n");

        var ex = Assert.Throws<BranchTasksException>(() => GitHeadReader.Read(worktree));

        Assert.Equal(ErrorCodes.GitRepositoryUnreadable, ex.Code);
        Assert.Contains(dotGit, ex.Message);
    }

    [Fact]
    public void The_branch_key_follows_the_database_branch_not_HEADs_text()
    {
        using var repo = TempGitRepository.Create();
        var first = repo.Commit("first");
        repo.Commit("second");
        Assert.Equal("main", GitHeadReader.Read(repo.Path).BranchKey);

        repo.Run("checkout", "-q", "--detach", first);
        var detached = GitHeadReader.Read(repo.Path);
        repo.Run("checkout", "-q", "--detach", "main");
        // Two detached commits: different HEAD text, the same database branch (the configured parent's).
        Assert.Equal("", detached.BranchKey);
        Assert.Equal(detached.BranchKey, GitHeadReader.Read(repo.Path).BranchKey);

        var gitDir = Path.Combine(repo.Path, ".git");
        Directory.CreateDirectory(Path.Combine(gitDir, "rebase-merge"));
        File.WriteAllText(Path.Combine(gitDir, "rebase-merge", "head-name"), "refs/heads/feature/x\n");
        Assert.Equal("feature/x", GitHeadReader.Read(repo.Path).BranchKey);
    }

    [Fact]
    public void TryRead_gives_null_instead_of_throwing_for_a_watcher()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("first");
        Assert.Equal("main", GitHeadReader.TryRead(repo.Path)?.Branch);

        File.WriteAllText(Path.Combine(repo.Path, ".git", "HEAD"), "garbage\n");
        Assert.Null(GitHeadReader.TryRead(repo.Path));
    }

    private static TempGitRepository CreateConflictingBranches()
    {
        var repo = TempGitRepository.Create();
        repo.WriteFile("a.txt", "base\n");
        repo.Commit("base");
        repo.Run("checkout", "--quiet", "-b", "feature/rebase-me");
        repo.WriteFile("a.txt", "feature\n");
        repo.Commit("feature change");
        repo.Run("checkout", "--quiet", "main");
        repo.WriteFile("a.txt", "main\n");
        repo.Commit("main change");
        repo.Run("checkout", "--quiet", "feature/rebase-me");
        return repo;
    }
}
