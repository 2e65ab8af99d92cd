using BranchTasks.Core.Errors;
using BranchTasks.Core.Hooks;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Hooks;

public sealed class GitHookInstallerTests
{
    private static readonly string[] Tool = ["/usr/bin/dotnet", "exec", "/opt/it's here/branchtasks.dll"];

    [Fact]
    public void Reads_core_hooksPath_from_the_repository_config_like_git()
    {
        using var repo = TempGitRepository.Create();
        Assert.Equal(Path.Combine(repo.Path, ".git", "hooks"), GitHookInstaller.HooksDirectory(repo.Path));
        repo.Run("config", "core.hooksPath", "tools/git hooks");
        Assert.Equal(Path.Combine(repo.Path, "tools", "git hooks"), GitHookInstaller.HooksDirectory(Path.Combine(repo.Path)));
        var absolute = repo.SiblingPath("shared-hooks");
        repo.Run("config", "core.hooksPath", absolute);
        Assert.Equal(absolute, GitHookInstaller.HooksDirectory(repo.Path));
    }

    [Fact]
    public void Config_parser_handles_case_quotes_comments_and_subsections()
    {
        using var repo = TempGitRepository.Create();
        var config = repo.SiblingPath("config");
        File.WriteAllText(config, "[core]\n\tbare = false\n[remote \"core\"]\n\thooksPath = wrong\n[CORE]\n\tHooksPath = \"a b\" ; comment\n");
        Assert.Equal("a b", GitConfigFile.GetValue(config, "core", "hooksPath"));
        Assert.Null(GitConfigFile.GetValue(config, "core", "missing"));
    }

    [Fact]
    public void Install_chains_a_foreign_hook_and_uninstall_restores_it_idempotently()
    {
        using var repo = TempGitRepository.Create();
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        File.WriteAllText(hook, "#!/bin/sh\necho foreign\n");

        Assert.True(GitHookInstaller.Install(repo.Path, Tool).Changed);
        Assert.True(GitHookInstaller.IsInstalled(repo.Path));
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook + GitHookInstaller.ChainedSuffix));
        Assert.Contains("'/opt/it'\\''s here/branchtasks.dll'", File.ReadAllText(hook));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(hook) & UnixFileMode.UserExecute) != 0);
        }

        Assert.False(GitHookInstaller.Install(repo.Path, Tool).Changed);

        Assert.True(GitHookInstaller.Uninstall(repo.Path).Changed);
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook));
        Assert.False(GitHookInstaller.Uninstall(repo.Path).Changed);
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook));
    }

    [Fact]
    public void Install_refuses_when_both_a_foreign_hook_and_a_chained_one_exist()
    {
        using var repo = TempGitRepository.Create();
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        File.WriteAllText(hook, "#!/bin/sh\n");
        File.WriteAllText(hook + GitHookInstaller.ChainedSuffix, "#!/bin/sh\n");
        var error = Assert.Throws<BranchTasksException>(() => GitHookInstaller.Install(repo.Path, Tool));
        Assert.Equal(ErrorCodes.HookConflict, error.Code);
    }

    [Fact]
    public void Hook_script_is_valid_sh()
    {
        using var repo = TempGitRepository.Create();
        var path = repo.SiblingPath("hook.sh");
        File.WriteAllText(path, GitHookInstaller.Script(Tool));
        var check = System.Diagnostics.Process.Start("sh", ["-n", path])!;
        check.WaitForExit();
        Assert.Equal(0, check.ExitCode);
    }
}
