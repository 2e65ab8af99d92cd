using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers.Server;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>The default database prefix on a shared server: one per login, always a valid prefix.</summary>
public sealed class MySqlDatabasePrefixTests
{
    [Theory]
    [InlineData("alice", "alice_")]
    [InlineData("dev_42", "dev_42_")]
    public void A_short_lowercase_login_is_its_own_prefix(string login, string prefix) =>
        Assert.Equal(prefix, MySqlDatabasePrefix.For(login));

    [Theory]
    [InlineData("Alice.Smith@corp.example.com")]
    [InlineData("alice-smith")]
    [InlineData("a_very_long_login_name_indeed")]
    [InlineData("ümlaut")]
    [InlineData("")]
    public void Other_logins_get_a_readable_part_and_a_hash_that_matches_the_prefix_pattern(string login)
    {
        var prefix = MySqlDatabasePrefix.For(login);

        Assert.Matches(ConfigPatterns.DatabasePrefix, prefix);
        Assert.EndsWith("_", prefix);
        Assert.Equal(prefix, MySqlDatabasePrefix.For(login));
    }

    [Fact]
    public void Logins_whose_readable_parts_agree_still_get_different_prefixes()
    {
        Assert.NotEqual(MySqlDatabasePrefix.For("alice.smith"), MySqlDatabasePrefix.For("alice-smith"));
        Assert.NotEqual(MySqlDatabasePrefix.For("Alice"), MySqlDatabasePrefix.For("alice"));
        Assert.StartsWith("alice_smit_", MySqlDatabasePrefix.For("Alice.Smith"));
    }
}
