using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Tests.Providers;

/// <summary>Which server the user's mysql credentials may go to, and which PlanetScale API address the token may go to.</summary>
public sealed class CredentialBindingTests
{
    private static BranchTasksConfig Config(string host, int port) => new()
    {
        FilePath = "/repo/branchtasks.json",
        Provider = "mysql",
        Database = "shop",
        Mysql = new MySqlSettings { Host = host, Port = port },
    };

    private static ProviderCredentials BoundTo(string binding) => new(new Dictionary<string, string> { [CredentialEnvironment.MySqlHost] = binding }, null);

    [Theory]
    [InlineData("db.example.com", "db.example.com", 3306)]
    [InlineData("DB.Example.COM:3307", "db.example.com", 3307)]
    [InlineData("db.example.com", "db.example.com", 13306)]
    [InlineData("[::1]:3306", "::1", 3306)]
    [InlineData("10.0.0.5:3306", "10.0.0.5", 3306)]
    public void A_config_naming_the_bound_server_passes(string binding, string host, int port)
    {
        var config = Config(host, port);

        CredentialBinding.CheckMySql(config, config.Mysql!, BoundTo(binding));
    }

    [Theory]
    [InlineData("db.example.com:3306", "db.example.com", 3307)]
    [InlineData("db.example.com", "evil.example.com", 3306)]
    [InlineData("db.example.com", "db.example.com.evil.net", 3306)]
    [InlineData("127.0.0.1:3306", "localhost", 3306)]
    [InlineData("mysql://db.example.com", "db.example.com", 3306)]
    [InlineData("db.example.com/x", "db.example.com", 3306)]
    public void A_config_naming_another_server_is_refused(string binding, string host, int port)
    {
        var config = Config(host, port);

        var ex = Assert.Throws<BranchTasksException>(() => CredentialBinding.CheckMySql(config, config.Mysql!, BoundTo(binding)));

        Assert.Equal(ErrorCodes.CredentialsBoundElsewhere, ex.Code);
        Assert.Contains(binding, ex.Message);
        Assert.Contains($"{(host.Contains(':') ? $"[{host}]" : host)}:{port}", ex.Message);
        Assert.Contains(CredentialEnvironment.MySqlHost, ex.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1")]
    [InlineData("http://localhost:8080/v1/", "http://localhost:8080/v1")]
    [InlineData("http://[::1]:8080/v1", "http://[::1]:8080/v1")]
    [InlineData("https://api.example.com/v1", "https://api.example.com/v1")]
    public void An_https_or_loopback_api_address_is_used_as_given(string value, string expected)
    {
        var credentials = new ProviderCredentials(new Dictionary<string, string> { [CredentialEnvironment.PlanetScaleApiUrl] = value }, null);

        Assert.Equal(expected, CredentialBinding.PlanetScaleApiUrl(credentials));
    }

    [Theory]
    [InlineData("http://api.example.com/v1")]
    [InlineData("http://10.1.2.3/v1")]
    [InlineData("http://localhost.evil.net/v1")]
    public void A_plain_http_api_address_off_loopback_is_refused(string value)
    {
        var credentials = new ProviderCredentials(new Dictionary<string, string> { [CredentialEnvironment.PlanetScaleApiUrl] = value }, null);

        var ex = Assert.Throws<BranchTasksException>(() => CredentialBinding.PlanetScaleApiUrl(credentials));

        Assert.Equal(ErrorCodes.ApiAddressNotAllowed, ex.Code);
        Assert.Contains("loopback", ex.Message);
    }

    [Fact]
    public void Without_a_setting_the_api_address_is_the_public_one()
    {
        Assert.Null(Environment.GetEnvironmentVariable(CredentialEnvironment.PlanetScaleApiUrl));

        Assert.Equal(PlanetScaleSettings.DefaultApiUrl, CredentialBinding.PlanetScaleApiUrl(new ProviderCredentials(new Dictionary<string, string>(), null)));
    }
}
