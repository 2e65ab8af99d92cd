using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using MySqlConnector;
using Xunit;

namespace BranchTasks.Testing;

/// <summary>
/// One private MariaDB server for a whole test run, started by the product's own <see cref="LocalServer"/>
/// in a throw-away state directory, stopped and deleted at the end.
/// </summary>
public sealed class PrivateServerFixture : IAsyncLifetime
{
    private LocalServerEndpoint? _endpoint;

    public PrivateServerFixture()
    {
        StateRoot = Path.Combine(Path.GetTempPath(), "bt-" + Guid.NewGuid().ToString("N")[..12]);
        State = new StateDirectory(StateRoot);
        Server = new LocalServer(State, new LocalSettings());
    }

    public string StateRoot { get; }

    public StateDirectory State { get; }

    public LocalServer Server { get; }

    public LocalServerEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException("The private server has not been started.");

    public async Task InitializeAsync()
    {
        _endpoint = await Server.EnsureRunningAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Server.StopAsync(CancellationToken.None);
        }
        finally
        {
            if (Directory.Exists(StateRoot))
            {
                Directory.Delete(StateRoot, recursive: true);
            }
        }
    }

    public Task<MySqlConnection> OpenAdminAsync(string? database = null) => Endpoint.OpenAdminConnectionAsync(CancellationToken.None, database);

    /// <summary>A database name no other test uses: <c>prefix_</c> plus random lowercase hex.</summary>
    public static string UniqueName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..10];

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = await OpenAdminAsync(database);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql, string? database = null)
    {
        await using var connection = await OpenAdminAsync(database);
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
