using BranchTasks.Core.Configuration;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Tests.Mapping;

/// <summary>Two different git branches must never silently share a database branch or database.</summary>
public sealed class DistinctnessTests
{
    private static IEnumerable<string> HostileNames()
    {
        string[] seeds =
        [
            "main", "Main", "MAIN", "develop", "feature/x", "Feature/X", "feature/X", "feature-x", "feature_x", "feature.x",
            "feature//x", "feature/x/", "/feature/x", "feature--x", "feature-x-", "-feature-x",
            "fünf", "funf", "fu\u0308nf", "FÜNF", "日本", "日本語", "中文", "ß", "ss", "Ærø", "çà", "ça",
            "it's", "it\"s", "back`tick", "semi;colon", "dollar$", "$HOME", "a@{b", "@{u}", "x@{-1}", "%41", "a%20b",
            "quote'\"mix", "tab\tname", "a b", "a\\b", "a:b", "a*b", "a?b", "a[b]", "a~1", "a^2",
            "release/1.0", "release/1_0", "release/1-0", "release/10", "release/1.0.1",
            "branch", "-", "--", "/", "...", "x", "X", "0", "00", "a-00000000", "a-deadbeef", "a/deadbeef", "A-DEADBEEF",
            new string('a', 48), new string('a', 49), new string('a', 200), new string('A', 200), new string('a', 199) + "b",
            new string('a', 39) + "-" + "12345678", "x-" + new string('f', 8),
            string.Concat(Enumerable.Repeat("segment/", 25)),
            string.Concat(Enumerable.Repeat("Ünïcödé/", 25)),
        ];

        var prefixes = new[] { "", "feature/", "Feature/", "user/ann/", "USER/Ann/", "refs-" };
        var suffixes = new[] { "", "/v2", "-v2", ".v2", "_v2", "/V2" };
        return seeds
            .SelectMany(seed => prefixes.SelectMany(prefix => suffixes.Select(suffix => prefix + seed + suffix)))
            .Concat(Enumerable.Range(0, 2000).Select(i => $"feature/task-{i}"))
            .Concat(Enumerable.Range(0, 2000).Select(i => $"Feature/Task-{i}"))
            .Concat(Enumerable.Range(0, 2000).Select(i => $"feature-task-{i}"))
            .Distinct(StringComparer.Ordinal);
    }

    [Fact]
    public void Different_git_branches_get_different_database_branches_and_databases()
    {
        var byBranch = new Dictionary<string, string>(StringComparer.Ordinal);
        var byDatabase = new Dictionary<string, string>(StringComparer.Ordinal);
        var config = new BranchTasksConfig { FilePath = "/r/branchtasks.json", Database = "Shop_Database_Long_Name_12345678" };

        foreach (var git in HostileNames())
        {
            var target = BranchMapper.Map(config, git);

            Assert.Matches(BranchNamesTests.BranchRegex, target.Branch);
            Assert.InRange(target.Branch.Length, 1, BranchNames.MaxBranchLength);
            Assert.Matches(BranchNamesTests.DatabaseRegex, target.Database);
            Assert.True(byBranch.TryAdd(target.Branch, git), $"'{git}' and '{(byBranch.TryGetValue(target.Branch, out var o) ? o : "")}' both map to branch '{target.Branch}'");
            Assert.True(byDatabase.TryAdd(target.Database, git), $"'{git}' and '{(byDatabase.TryGetValue(target.Database, out var d) ? d : "")}' both map to database '{target.Database}'");
        }

        Assert.True(byBranch.Count > 6000);
    }

    [Fact]
    public void Mapping_is_deterministic()
    {
        foreach (var git in HostileNames().Take(500))
        {
            Assert.Equal(BranchNames.ToBranchName(git), BranchNames.ToBranchName(new string(git.ToCharArray())));
        }
    }
}
