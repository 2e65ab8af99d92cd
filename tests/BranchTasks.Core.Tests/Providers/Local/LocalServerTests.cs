using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Local;

[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalServerTests(PrivateServerFixture fixture)
{
    [Fact]
    public async Task A_started_server_answers_as_admin_and_reports_its_version()
    {
        var version = (string?)await fixture.ScalarAsync("SELECT VERSION()");

        Assert.Equal(version, fixture.Endpoint.ServerVersion);
        Assert.Contains("MariaDB", version);
        Assert.Equal("127.0.0.1", fixture.Endpoint.Host);
    }

    [Fact]
    public async Task Ensure_running_again_reuses_the_running_server_from_another_instance()
    {
        var again = await new LocalServer(fixture.State, new LocalSettings()).EnsureRunningAsync(CancellationToken.None);

        Assert.Equal(fixture.Endpoint.ProcessId, again.ProcessId);
        Assert.Equal(fixture.Endpoint.Port, again.Port);
        Assert.Equal(fixture.Endpoint.AdminPassword, again.AdminPassword);
    }

    [Fact]
    public void Try_get_running_reads_the_state_without_starting_anything()
    {
        var running = fixture.Server.TryGetRunning();

        Assert.NotNull(running);
        Assert.Equal(fixture.Endpoint.ProcessId, running.ProcessId);
        Assert.Equal(fixture.Endpoint.Port, running.Port);
    }

    [Fact]
    public async Task The_app_user_connects_directly_with_its_password()
    {
        await using var connection = new MySqlConnection(fixture.Endpoint.CreateAppConnectionString().ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT CURRENT_USER()", connection);

        var user = (string?)await command.ExecuteScalarAsync();

        Assert.StartsWith("branchtasks_app@", user);
    }

    [Fact]
    public async Task The_admin_user_needs_its_password()
    {
        var builder = fixture.Endpoint.CreateAdminConnectionString();
        builder.Password = "wrong";
        builder.Pooling = false;
        await using var connection = new MySqlConnection(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());

        Assert.Equal(MySqlErrorCode.AccessDenied, error.ErrorCode);
    }

    [Fact]
    public void State_files_are_private_and_the_password_is_never_in_the_endpoint_text()
    {
        var credentials = Path.Combine(fixture.Server.Directory, "credentials.json");
        Assert.True(File.Exists(credentials));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(fixture.Server.Directory));
        }

        Assert.DoesNotContain(fixture.Endpoint.AdminPassword, fixture.Endpoint.ToString());
        Assert.Empty(Directory.GetFiles(fixture.Server.Directory, "init-*.sql"));
    }
}
