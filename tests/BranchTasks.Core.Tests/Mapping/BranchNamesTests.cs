using System.Text.RegularExpressions;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Tests.Mapping;

public sealed class BranchNamesTests
{
    internal static readonly Regex BranchRegex = new("^[a-z0-9][a-z0-9-]*$");
    internal static readonly Regex DatabaseRegex = new("^[a-z0-9_]{1,64}$");

    [Theory]
    [InlineData("main", "main")]
    [InlineData("develop", "develop")]
    [InlineData("release-2024", "release-2024")]
    [InlineData("42", "42")]
    public void Lossless_names_are_kept(string git, string expected)
    {
        Assert.Equal(expected, BranchNames.ToBranchName(git));
    }

    [Theory]
    [InlineData("feature/Login", "feature-login")]
    [InlineData("Feature/X", "feature-x")]
    [InlineData("fix//double..dots", "fix-double-dots")]
    [InlineData("-lead-and-trail-", "lead-and-trail")]
    [InlineData("fünf", "funf")]
    [InlineData("Ærø/ça", "r-ca")]
    [InlineData("日本", "branch")]
    [InlineData("---", "branch")]
    public void Lossy_names_get_the_hash_of_the_original(string git, string expectedBase)
    {
        var name = BranchNames.ToBranchName(git);

        Assert.Equal(expectedBase + "-" + Hash(git), name);
    }

    [Fact]
    public void Hash_is_sha256_of_the_utf8_git_name()
    {
        // Recomputed here rather than through ShortHash, so a change to the product's hashing shows up.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("feature/x"u8))[..8];
        Assert.Equal("feature-x-" + expected, BranchNames.ToBranchName("feature/x"));
    }

    [Fact]
    public void Lossless_name_that_looks_hashed_is_hashed_again()
    {
        var lookalike = BranchNames.ToBranchName("feature/x");
        Assert.Equal(lookalike + "-" + Hash(lookalike), BranchNames.ToBranchName(lookalike));
        Assert.Equal("fix-deadbeea-" + Hash("fix-deadbeea"), BranchNames.ToBranchName("fix-deadbeea"));
    }

    [Fact]
    public void Lossless_name_with_non_hex_tail_is_kept()
    {
        Assert.Equal("fix-deadbeez", BranchNames.ToBranchName("fix-deadbeez"));
        Assert.Equal("fix-1234567", BranchNames.ToBranchName("fix-1234567"));
    }

    [Fact]
    public void Long_lossless_name_is_truncated_and_hashed()
    {
        var git = new string('a', 60);

        var name = BranchNames.ToBranchName(git);

        Assert.Equal(BranchNames.MaxBranchLength, name.Length);
        Assert.Equal(new string('a', 39) + "-" + Hash(git), name);
    }

    [Fact]
    public void Truncation_does_not_leave_a_double_dash()
    {
        var git = new string('a', 38) + "/" + new string('b', 30);

        var name = BranchNames.ToBranchName(git);

        Assert.Equal(new string('a', 38) + "-" + Hash(git), name);
        Assert.Matches(BranchRegex, name);
    }

    [Fact]
    public void Database_name_joins_project_and_branch()
    {
        Assert.Equal("myapp_feature_x_1234abcd", BranchNames.ToDatabaseName("MyApp", "feature-x-1234abcd"));
        Assert.Equal("myapp_main", BranchNames.ToDatabaseName("myapp", "main"));
    }

    [Fact]
    public void Long_database_name_is_truncated_with_a_hash_of_the_full_name()
    {
        var project = "P" + new string('p', 31);
        var branch = new string('b', 48);
        var full = project.ToLowerInvariant() + "_" + branch;

        var name = BranchNames.ToDatabaseName(project, branch);

        Assert.Equal(64, name.Length);
        Assert.Equal(full[..55] + "_" + Hash(full), name);
        Assert.Matches(DatabaseRegex, name);
    }

    [Fact]
    public void Exactly_64_chars_is_not_hashed()
    {
        var project = "p" + new string('q', 31);
        var branch = new string('b', 31);

        Assert.Equal(project + "_" + branch, BranchNames.ToDatabaseName(project, branch));
    }

    [Theory]
    [InlineData("myapp", "Main")]
    [InlineData("myapp", "-main")]
    [InlineData("myapp", "")]
    [InlineData("myapp", "feature/x")]
    [InlineData("my-app", "main")]
    [InlineData("1app", "main")]
    public void Invalid_inputs_are_user_errors(string project, string branch)
    {
        var ex = Assert.Throws<BranchTasksException>(() => BranchNames.ToDatabaseName(project, branch));
        Assert.Contains(ex.Code, new[] { ErrorCodes.InvalidArgument, ErrorCodes.InvalidBranchName });
    }

    internal static string Hash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..8];
}
