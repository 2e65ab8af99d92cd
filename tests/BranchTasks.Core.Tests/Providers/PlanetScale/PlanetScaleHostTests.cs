using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.PlanetScale;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

public sealed class PlanetScaleHostTests
{
    [Theory]
    [InlineData("aws.connect.psdb.cloud", "aws.connect.psdb.cloud", 3306)]
    [InlineData("aws.connect.psdb.cloud:3307", "aws.connect.psdb.cloud", 3307)]
    [InlineData("127.0.0.1:45123", "127.0.0.1", 45123)]
    [InlineData("[::1]:45123", "::1", 45123)]
    [InlineData("mysql://edge.example.com:13306", "edge.example.com", 13306)]
    public void Access_host_urls_may_carry_a_port(string accessHostUrl, string host, int port) =>
        Assert.Equal((host, port), PlanetScaleHost.Parse(accessHostUrl));

    [Theory]
    [InlineData("")]
    [InlineData("host/path")]
    [InlineData("host:notaport")]
    public void Anything_else_is_a_clear_error(string accessHostUrl)
    {
        var ex = Assert.Throws<BranchTasksException>(() => PlanetScaleHost.Parse(accessHostUrl));
        Assert.Equal(ErrorCodes.ProviderRejected, ex.Code);
    }
}
