using System.Text;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Minimal_file_gets_the_documented_defaults()
    {
        using var file = new TempConfig("""{ "database": "MyApp" }""");

        var config = ConfigLoader.Load(file.FilePath);

        Assert.Equal(file.FilePath, config.FilePath);
        Assert.Equal("myapp", config.Database);
        Assert.Equal("local", config.Provider);
        Assert.Equal("Default", config.ConnectionName);
        Assert.Equal("main", config.Parent);
        Assert.True(config.CopyData);
        Assert.True(config.AutoCreate);
        Assert.Equal("none", config.LocalAuth);
        Assert.Empty(config.Protected);
        Assert.Empty(config.Map);
        Assert.Null(config.Local.ServerPath);
        Assert.Null(config.Local.Port);
        Assert.Null(config.Mysql);
        Assert.Null(config.PlanetScale);
    }

    [Fact]
    public void Every_key_is_read()
    {
        using var file = new TempConfig("""
            {
              // comments and trailing commas are fine
              "$schema": "./schema.json",
              "provider": "mysql",
              "database": "shop_2",
              "connectionName": "Shop.Db-1",
              "parent": "develop",
              "copyData": false,
              "autoCreate": false,
              "protected": ["main", "prod-data"],
              "map": { "release/**": "staging", "dependabot/*": "main", },
              "local": { "serverPath": "tools/mariadbd", "port": 3390 },
              "mysql": { "host": "db.internal", "port": 3307, "databasePrefix": "alice_", "tls": "verify-full", "userSecretsId": "shop-secrets" },
              "planetscale": { "organization": "acme", "database": "shop-db", "passwordTtl": 600, "allowProduction": true },
            }
            """);

        var config = ConfigLoader.Load(file.FilePath);

        Assert.Equal("mysql", config.Provider);
        Assert.Equal("shop_2", config.Database);
        Assert.Equal("Shop.Db-1", config.ConnectionName);
        Assert.Equal("develop", config.Parent);
        Assert.False(config.CopyData);
        Assert.False(config.AutoCreate);
        Assert.Equal(["main", "prod-data"], config.Protected);
        Assert.Equal([new MapRule("release/**", "staging"), new MapRule("dependabot/*", "main")], config.Map);
        Assert.Equal(Path.Combine(file.Folder, "tools", "mariadbd"), config.Local.ServerPath);
        Assert.Equal(3390, config.Local.Port);
        Assert.Equal("db.internal", config.Mysql!.Host);
        Assert.Equal(3307, config.Mysql.Port);
        Assert.Equal("alice_", config.Mysql.DatabasePrefix);
        Assert.Equal("verify-full", config.Mysql.Tls);
        Assert.Equal("shop-secrets", config.Mysql.UserSecretsId);
        Assert.Equal("alice_", config.DatabasePrefix);
        Assert.Equal("acme", config.PlanetScale!.Organization);
        Assert.Equal("shop-db", config.PlanetScale.Database);
        Assert.Equal(TimeSpan.FromMinutes(10), config.PlanetScale.PasswordTtl);
        Assert.True(config.PlanetScale.AllowProduction);
        Assert.Equal("admin", config.PlanetScale.PasswordRole);
    }

    [Fact]
    public void Bare_server_file_name_is_left_for_a_path_search()
    {
        using var file = new TempConfig("""{ "database": "a", "local": { "serverPath": "mariadbd" } }""");

        Assert.Equal("mariadbd", ConfigLoader.Load(file.FilePath).Local.ServerPath);
    }

    [Fact]
    public void Byte_order_mark_is_accepted()
    {
        using var file = new TempConfig("");
        File.WriteAllText(file.FilePath, """{ "database": "a" }""", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal("a", ConfigLoader.Load(file.FilePath).Database);
    }

    [Fact]
    public void Syntax_error_names_file_line_and_column()
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  \"parent\": main\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigSyntax, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,13): syntax error: ", ex.Message);
        Assert.DoesNotContain("LineNumber", ex.Message);
    }

    [Fact]
    public void Empty_file_is_a_syntax_error()
    {
        using var file = new TempConfig("");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigSyntax, ex.Code);
        Assert.StartsWith($"{file.FilePath}(1,1): syntax error", ex.Message);
    }

    [Fact]
    public void Unknown_key_suggests_the_closest_one()
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  \"copydata\": true\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigUnknownKey, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,3): unknown key 'copydata'. Did you mean 'copyData'?", ex.Message);
        Assert.Contains("provider, database, connectionName", ex.Message);
    }

    [Fact]
    public void Unknown_nested_key_names_its_path()
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  \"local\": {\n    \"prot\": 3306\n  }\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigUnknownKey, ex.Code);
        Assert.Equal(
            $"{file.FilePath}(4,5): unknown key 'local.prot'. Did you mean 'port'? Allowed keys in 'local': serverPath, port.",
            ex.Message);
    }

    [Fact]
    public void Unknown_key_far_from_any_gives_no_suggestion()
    {
        using var file = new TempConfig("""{ "database": "a", "connectionString": "x" }""");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigUnknownKey, ex.Code);
        Assert.DoesNotContain("Did you mean", ex.Message);
        Assert.Contains("'connectionString'", ex.Message);
    }

    [Theory]
    [InlineData("\"copyData\": \"yes\"", "copyData", "a boolean", "a string")]
    [InlineData("\"autoCreate\": 1", "autoCreate", "a boolean", "a number")]
    [InlineData("\"parent\": null", "parent", "a string", "null")]
    [InlineData("\"protected\": \"main\"", "protected", "an array", "a string")]
    [InlineData("\"protected\": [1]", "protected[0]", "a string", "a number")]
    [InlineData("\"map\": []", "map", "an object", "an array")]
    [InlineData("\"map\": { \"x/*\": 1 }", "map[\"x/*\"]", "a string", "a number")]
    [InlineData("\"local\": true", "local", "an object", "a boolean")]
    [InlineData("\"local\": { \"port\": \"3306\" }", "local.port", "an integer", "a string")]
    [InlineData("\"local\": { \"port\": 33.5 }", "local.port", "an integer", "a number")]
    [InlineData("\"mysql\": \"server\"", "mysql", "an object", "a string")]
    [InlineData("\"planetscale\": []", "planetscale", "an object", "an array")]
    public void Wrong_type_names_key_expected_and_actual(string json, string key, string expected, string actual)
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  " + json + "\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigWrongType, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,", ex.Message);
        Assert.Contains($"'{key}' must be {expected}", ex.Message);
        Assert.Contains($"but is {actual}", ex.Message);
    }

    [Fact]
    public void Local_auth_is_none_or_token()
    {
        using (var token = new TempConfig("""{ "database": "a", "localAuth": "token" }"""))
        {
            Assert.Equal("token", ConfigLoader.Load(token.FilePath).LocalAuth);
        }

        using var bad = new TempConfig("{\n  \"database\": \"a\",\n  \"localAuth\": \"password\"\n}");
        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(bad.FilePath));
        Assert.StartsWith($"{bad.FilePath}(3,", ex.Message);
        Assert.Contains("localAuth", ex.Message);
        Assert.Contains("\"token\"", ex.Message);
    }

    [Fact]
    public void Database_of_wrong_type_is_reported()
    {
        using var file = new TempConfig("""{ "database": 5 }""");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigWrongType, ex.Code);
        Assert.StartsWith($"{file.FilePath}(1,15): 'database' must be a string", ex.Message);
    }

    [Theory]
    [InlineData("\"database\": \"my-app\"", "database", "\"my-app\"")]
    [InlineData("\"database\": \"1app\"", "database", "\"1app\"")]
    [InlineData("\"database\": \"abcdefghijabcdefghijabcdefghijabc\"", "database", "abcdefghij")]
    [InlineData("\"database\": \"\"", "database", "\"\"")]
    [InlineData("\"connectionName\": \"a:b\"", "connectionName", "\"a:b\"")]
    [InlineData("\"parent\": \"bad..name\"", "parent", "\"bad..name\"")]
    [InlineData("\"protected\": [\"main\", \"release/1.0\"]", "protected[1]", "\"release/1.0\"")]
    [InlineData("\"map\": { \"x/*\": \"Staging\" }", "map[\"x/*\"]", "\"Staging\"")]
    [InlineData("\"map\": { \"\": \"staging\" }", "map[\"\"]", "\"staging\"")]
    [InlineData("\"local\": { \"port\": 70000 }", "local.port", "70000")]
    [InlineData("\"local\": { \"port\": 0 }", "local.port", "0")]
    [InlineData("\"local\": { \"serverPath\": \" \" }", "local.serverPath", "\" \"")]
    [InlineData("\"mysql\": { \"host\": \"h\", \"tls\": \"off\" }", "mysql.tls", "\"off\"")]
    [InlineData("\"mysql\": { \"host\": \"h\", \"databasePrefix\": \"Alice-\" }", "mysql.databasePrefix", "\"Alice-\"")]
    [InlineData("\"mysql\": { \"host\": \"db:3306\" }", "mysql.host", "\"db:3306\"")]
    [InlineData("\"mysql\": { \"host\": \"h\", \"caCertificateFile\": \"missing.pem\" }", "mysql.caCertificateFile", "\"missing.pem\"")]
    [InlineData("\"planetscale\": { \"organization\": \"Acme\" }", "planetscale.organization", "\"Acme\"")]
    [InlineData("\"mysql\": { \"host\": \"h\", \"tls\": \"preferred\" }", "mysql.tls", "\"preferred\"")]
    [InlineData("\"mysql\": { \"host\": \"h\", \"tls\": \"required\" }", "mysql.tls", "\"required\"")]
    [InlineData("\"planetscale\": { \"organization\": \"acme\", \"passwordTtl\": 1 }", "planetscale.passwordTtl", "1")]
    [InlineData("\"planetscale\": { \"organization\": \"acme\", \"passwordRole\": \"root\" }", "planetscale.passwordRole", "\"root\"")]
    public void Bad_value_names_key_value_and_rule(string json, string key, string value)
    {
        var body = json.StartsWith("\"database\"", StringComparison.Ordinal) ? json : "\"database\": \"a\", " + json;
        using var file = new TempConfig("{\n\n  " + body + "\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigBadValue, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,", ex.Message);
        Assert.Contains($"'{key}' is ", ex.Message);
        Assert.Contains(value, ex.Message);
        Assert.Contains("not allowed", ex.Message);
    }

    [Fact]
    public void Bad_map_value_suggests_a_valid_name()
    {
        using var file = new TempConfig("""{ "database": "a", "map": { "x": "Staging_1" } }""");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Contains("lowercase letters, digits and '-'", ex.Message);
    }

    [Fact]
    public void Missing_database_is_reported()
    {
        using var file = new TempConfig("\n{ \"provider\": \"local\" }");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigMissingKey, ex.Code);
        Assert.StartsWith($"{file.FilePath}(2,1): required key 'database' is missing.", ex.Message);
        Assert.Contains("\"database\": \"myapp\"", ex.Message);
    }

    [Theory]
    [InlineData("postgres", null)]
    [InlineData("Local", "local")]
    [InlineData("planetscal", "planetscale")]
    public void Unknown_provider_lists_the_allowed_ones(string provider, string? suggestion)
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  \"provider\": \"" + provider + "\"\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.UnknownProvider, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,15): 'provider' is \"{provider}\"", ex.Message);
        Assert.Contains("Use one of: local, mysql, planetscale.", ex.Message);
        if (suggestion is null)
        {
            Assert.DoesNotContain("Did you mean", ex.Message);
        }
        else
        {
            Assert.Contains($"Did you mean '{suggestion}'?", ex.Message);
        }
    }

    [Fact]
    public void Duplicate_key_points_at_the_second_one()
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  \"database\": \"b\"\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigDuplicateKey, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,3): key 'database' appears more than once.", ex.Message);
    }

    [Fact]
    public void Root_must_be_an_object()
    {
        using var file = new TempConfig("""["database"]""");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigWrongType, ex.Code);
        Assert.StartsWith($"{file.FilePath}(1,1):", ex.Message);
    }

    [Fact]
    public void Missing_file_is_config_not_found()
    {
        var path = Path.Combine(Path.GetTempPath(), "bt-missing-" + Guid.NewGuid().ToString("N"), "branchtasks.json");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(path));

        Assert.Equal(ErrorCodes.ConfigNotFound, ex.Code);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Column_counts_characters_not_bytes()
    {
        using var file = new TempConfig("{ \"database\": \"a\", \"ünknown\": 1, \"x\": 2 }");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.StartsWith($"{file.FilePath}(1,20): unknown key 'ünknown'", ex.Message);
    }

    [Theory]
    [InlineData("\"provider\": \"mysql\"", "'mysql'", "BRANCHTASKS_MYSQL_USER")]
    [InlineData("\"provider\": \"planetscale\"", "'planetscale'", "PLANETSCALE_SERVICE_TOKEN_ID")]
    [InlineData("\"mysql\": { \"port\": 3306 }", "'host'", "db.dev.example.com")]
    [InlineData("\"planetscale\": { \"database\": \"shop\" }", "'organization'", "acme")]
    public void Provider_settings_name_what_is_missing(string json, string key, string example)
    {
        using var file = new TempConfig("{\n  \"database\": \"a\",\n  " + json + "\n}");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigMissingKey, ex.Code);
        Assert.StartsWith(file.FilePath + "(", ex.Message);
        Assert.Contains($"required key {key} is missing", ex.Message);
        Assert.Contains(example, ex.Message);
    }

    [Fact]
    public void PlanetScale_database_defaults_to_the_project_database_only_when_it_is_a_valid_planetscale_name()
    {
        using (var valid = new TempConfig("""{ "database": "shop", "provider": "planetscale", "planetscale": { "organization": "acme" } }"""))
        {
            var config = ConfigLoader.Load(valid.FilePath);
            Assert.Equal("shop", config.PlanetScale!.Database);
            Assert.Equal(TimeSpan.FromHours(1), config.PlanetScale.PasswordTtl);
            Assert.Equal(TimeSpan.FromMinutes(10), config.PlanetScale.ReadyTimeout);
            Assert.False(config.PlanetScale.AllowProduction);
            Assert.Equal("", config.DatabasePrefix);
        }

        using var invalid = new TempConfig("""{ "database": "my_shop", "provider": "planetscale", "planetscale": { "organization": "acme" } }""");
        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(invalid.FilePath));
        Assert.Equal(ErrorCodes.ConfigMissingKey, ex.Code);
        Assert.Contains("\"database\": \"my-shop\"", ex.Message);
    }

    [Fact]
    public void Mysql_ca_file_is_relative_to_the_config_file_and_prefix_goes_into_database_names()
    {
        using var file = new TempConfig("""{ "database": "shop", "provider": "mysql", "mysql": { "host": "db", "databasePrefix": "alice_", "caCertificateFile": "ca.pem" } }""");
        File.WriteAllText(Path.Combine(file.Folder, "ca.pem"), "not parsed here");

        var config = ConfigLoader.Load(file.FilePath);

        Assert.Equal(Path.Combine(file.Folder, "ca.pem"), config.Mysql!.CaCertificateFile);
        Assert.Equal("alice_shop_feature_x", BranchTasks.Core.Mapping.BranchMapper.ForDatabaseBranch(config, "feature-x", null).Database);
        Assert.Equal("verify-full", config.Mysql.Tls);
        Assert.Equal(3306, config.Mysql.Port);
    }

    [Theory]
    [InlineData("preferred", "unverified-or-plaintext")]
    [InlineData("required", "unverified")]
    public void The_old_tls_names_are_refused_with_the_names_that_say_what_they_give_up(string old, string renamed)
    {
        using var file = new TempConfig($$"""{ "database": "a", "mysql": { "host": "h", "tls": "{{old}}" } }""");

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ConfigBadValue, ex.Code);
        Assert.Contains($"renamed to \"{renamed}\"", ex.Message);
        Assert.Contains("\"verify-full\"", ex.Message);
    }

    [Theory]
    [InlineData("unverified", "unverified")]
    [InlineData("unverified-or-plaintext", "unverified-or-plaintext")]
    [InlineData("verify-ca", "verify-ca")]
    public void The_weaker_tls_modes_are_explicit_opt_ins(string value, string expected)
    {
        using var file = new TempConfig($$"""{ "database": "a", "mysql": { "host": "h", "tls": "{{value}}" } }""");

        Assert.Equal(expected, ConfigLoader.Load(file.FilePath).Mysql!.Tls);
    }

    [Theory]
    [InlineData("https://api.planetscale.com/v1")]
    [InlineData("http://evil.example.com/v1")]
    public void A_planetscale_api_address_in_the_repository_is_refused_and_says_where_it_belongs(string apiUrl)
    {
        using var file = new TempConfig($$"""
            {
              "database": "shop",
              "planetscale": { "organization": "acme", "apiUrl": "{{apiUrl}}" }
            }
            """);

        var ex = Assert.Throws<BranchTasksException>(() => ConfigLoader.Load(file.FilePath));

        Assert.Equal(ErrorCodes.ApiAddressNotAllowed, ex.Code);
        Assert.StartsWith($"{file.FilePath}(3,", ex.Message);
        Assert.Contains("'planetscale.apiUrl' is not allowed", ex.Message);
        Assert.Contains("PLANETSCALE_API_URL", ex.Message);
        Assert.Contains("BranchTasks:PlanetScale:ApiUrl", ex.Message);
        Assert.Contains("service token", ex.Message);
    }
}
