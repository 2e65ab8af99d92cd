using System.Text.Json;
using BranchTasks.Core.Configuration;

namespace BranchTasks.Core.Tests.Configuration;

/// <summary>The shipped schema and the loader must describe the same file.</summary>
public sealed class ConfigSchemaTests
{
    private static JsonElement Schema() => JsonDocument.Parse(ConfigSchema.ReadSchemaText()).RootElement.Clone();

    private static JsonElement Property(params string[] path)
    {
        var element = Schema();
        foreach (var name in path)
        {
            element = element.GetProperty("properties").GetProperty(name);
        }

        return element;
    }

    [Fact]
    public void Is_a_draft_2020_12_object_schema()
    {
        var schema = Schema();

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.GetProperty("$schema").GetString());
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["database"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Lists_exactly_the_keys_the_loader_accepts()
    {
        var top = Schema().GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
        var local = Property("local").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();

        Assert.Equal(ConfigKeys.TopLevel.Order(), top);
        Assert.Equal(ConfigKeys.LocalKeys.Order(), local);
        Assert.Equal(ConfigKeys.MysqlKeys.Order(), Property("mysql").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(ConfigKeys.PlanetScaleKeys.Order(), Property("planetscale").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(ConfigKeys.TlsModes, Property("mysql").GetProperty("properties").GetProperty("tls").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(ConfigKeys.PasswordRoles, Property("planetscale").GetProperty("properties").GetProperty("passwordRole").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.False(Property("local").GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Every_key_has_a_description()
    {
        foreach (var key in ConfigKeys.TopLevel)
        {
            Assert.False(string.IsNullOrWhiteSpace(Property(key).GetProperty("description").GetString()), key);
        }

        foreach (var key in ConfigKeys.LocalKeys)
        {
            Assert.False(string.IsNullOrWhiteSpace(Property("local", key).GetProperty("description").GetString()), key);
        }
    }

    [Fact]
    public void Defaults_match_the_model()
    {
        var model = new BranchTasksConfig { FilePath = "x", Database = "x" };

        Assert.Equal(model.Provider, Property("provider").GetProperty("default").GetString());
        Assert.Equal(model.ConnectionName, Property("connectionName").GetProperty("default").GetString());
        Assert.Equal(model.Parent, Property("parent").GetProperty("default").GetString());
        Assert.Equal(model.CopyData, Property("copyData").GetProperty("default").GetBoolean());
        Assert.Equal(model.AutoCreate, Property("autoCreate").GetProperty("default").GetBoolean());
    }

    [Fact]
    public void Rules_match_the_loader()
    {
        Assert.Equal(ConfigKeys.Providers, Property("provider").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(ConfigPatterns.Database, Property("database").GetProperty("pattern").GetString());
        Assert.Equal(ConfigPatterns.ConnectionName, Property("connectionName").GetProperty("pattern").GetString());
        Assert.Equal(ConfigPatterns.BranchName, Property("map").GetProperty("additionalProperties").GetProperty("pattern").GetString());
        Assert.Equal(ConfigPatterns.MaxBranchLength, Property("map").GetProperty("additionalProperties").GetProperty("maxLength").GetInt32());
        Assert.Equal(ConfigPatterns.BranchName, Property("protected").GetProperty("items").GetProperty("pattern").GetString());
        Assert.Equal(ConfigPatterns.MaxBranchLength, Property("protected").GetProperty("items").GetProperty("maxLength").GetInt32());
    }
}
