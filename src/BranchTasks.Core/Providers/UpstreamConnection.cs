using BranchTasks.Core.Mapping;
using MySqlConnector;

namespace BranchTasks.Core.Providers;

/// <summary>
/// A connection straight to a branch's upstream (not through a tunnel), with the credentials only the daemon
/// holds; disposing it closes the connection and then releases the credentials' lease.
/// </summary>
public sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly UpstreamLease _lease;

    private UpstreamConnection(MySqlConnection connection, UpstreamLease lease)
    {
        Connection = connection;
        _lease = lease;
    }

    public MySqlConnection Connection { get; }

    /// <summary>Opens one under the upstream's TLS policy, the same rule the tunnel applies to that server.</summary>
    public static async Task<UpstreamConnection> OpenAsync(IBranchProvider provider, BranchTarget target, CancellationToken cancellationToken)
    {
        var lease = await provider.OpenUpstreamAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            var upstream = lease.Endpoint;
            var builder = new MySqlConnectionStringBuilder
            {
                Server = upstream.Host,
                Port = (uint)upstream.Port,
                UserID = upstream.User,
                Password = upstream.Password ?? "",
                Database = upstream.Database,
                Pooling = false,
                ConnectionTimeout = 10,
            };
            var connection = await upstream.Tls.OpenAsync(builder, cancellationToken).ConfigureAwait(false);
            return new UpstreamConnection(connection, lease);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        await _lease.DisposeAsync().ConfigureAwait(false);
    }
}
