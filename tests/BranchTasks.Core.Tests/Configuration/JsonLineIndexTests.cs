using BranchTasks.Core.Configuration;

namespace BranchTasks.Core.Tests.Configuration;

public sealed class JsonLineIndexTests
{
    [Fact]
    public void Maps_pointers_to_lines_and_columns()
    {
        var json = "{\n  // comment\n  \"a\": 1,\n  \"b\": { \"c/d\": [10,\n    20] },\n}"u8;

        var index = JsonLineIndex.Build(json);

        Assert.Equal(new JsonPosition(1, 1), index.ValueAt(""));
        Assert.Equal(new JsonPosition(3, 3), index.KeyAt("/a"));
        Assert.Equal(new JsonPosition(3, 8), index.ValueAt("/a"));
        Assert.Equal(new JsonPosition(4, 10), index.KeyAt("/b/c~1d"));
        Assert.Equal(new JsonPosition(4, 17), index.ValueAt("/b/c~1d"));
        Assert.Equal(new JsonPosition(4, 18), index.ValueAt("/b/c~1d/0"));
        Assert.Equal(new JsonPosition(5, 5), index.ValueAt("/b/c~1d/1"));
    }

    [Fact]
    public void Duplicate_keys_keep_every_occurrence()
    {
        var index = JsonLineIndex.Build("{\"a\":1,\n\"a\":2}"u8);

        Assert.Equal(new JsonPosition(1, 2), index.KeyAt("/a", 0));
        Assert.Equal(new JsonPosition(2, 1), index.KeyAt("/a", 1));
    }

    [Theory]
    [InlineData("port", "prot", 2)]
    [InlineData("database", "databse", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Edit_distance(string a, string b, int expected)
    {
        Assert.Equal(expected, KeySuggester.Distance(a, b));
    }
}
