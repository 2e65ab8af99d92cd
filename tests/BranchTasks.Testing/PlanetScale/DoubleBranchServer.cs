using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Sql;
using BranchTasks.Core.State;
using MySqlConnector;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// The MariaDB server behind one branch of the double, started by the product's own <see cref="LocalServer"/>
/// in a state directory of its own, holding one database named like the PlanetScale database.
/// </summary>
internal sealed class DoubleBranchServer
{
    private const int StartAttempts = 3;

    private readonly StateDirectory _state;
    private volatile LocalServerEndpoint? _endpoint;

    public DoubleBranchServer(string stateRoot, string database)
    {
        _state = new StateDirectory(stateRoot);
        Database = database;
        Port = PickFreePort();
    }

    public string Database { get; }

    public string StateRoot => _state.Root;

    /// <summary>
    /// Chosen before the server starts, so the branch can show its <c>access_host_url</c> from the moment it
    /// is created, as PlanetScale does; it changes only if another program takes the port first.
    /// </summary>
    public int Port { get; private set; }

    public string CertificateFile => new LocalServerLayout(_state).TlsCertificateFile;

    public bool IsRunning => _endpoint is not null;

    public LocalServerEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException($"The server in {StateRoot} is not running.");

    /// <summary>Starts the server and creates the database (with the given character set and collation, when known).</summary>
    public async Task StartAsync(string? characterSet, string? collation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new LocalServer(_state, new LocalSettings { Port = Port });
            try
            {
                _endpoint = await server.EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (BranchTasksException e) when (attempt < StartAttempts && e.Code is ErrorCodes.PortInUse or ErrorCodes.ServerStartFailed)
            {
                // The port was free when picked; someone took it since. A start failure for another reason fails again and is reported then.
                Port = PickFreePort();
            }
        }

        var create = $"CREATE DATABASE IF NOT EXISTS {SqlIdentifier.Quote(Database)}";
        if (characterSet is not null)
        {
            create += $" CHARACTER SET {SqlIdentifier.Quote(characterSet)}";
        }

        if (collation is not null)
        {
            create += $" COLLATE {SqlIdentifier.Quote(collation)}";
        }

        await ExecuteAsync(create, cancellationToken, useDatabase: false).ConfigureAwait(false);
    }

    /// <summary>An admin connection to the branch's database; unpooled, so nothing lingers after the server stops.</summary>
    public Task<MySqlConnection> OpenAdminAsync(CancellationToken cancellationToken, bool useDatabase = true)
    {
        var builder = Endpoint.CreateAdminConnectionString(useDatabase ? Database : null);
        builder.Pooling = false;
        return BranchTasks.Core.Sql.MySqlConnections.OpenAsync(builder.ConnectionString, cancellationToken);
    }

    /// <summary>
    /// The admin connection string without a database, pooled: the connection that locks expired users must open
    /// fast, and this exact pool is the one <see cref="LocalServer"/> clears when it stops the server.
    /// </summary>
    public string LockConnectionString() => Endpoint.CreateAdminConnectionString().ConnectionString;

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, bool useDatabase = true)
    {
        await using var connection = await OpenAdminAsync(cancellationToken, useDatabase).ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (also one whose start was abandoned half-way) and deletes its files.</summary>
    public async Task StopAndDeleteAsync()
    {
        _endpoint = null;
        try
        {
            // A fresh LocalServer finds the process from the state file even if the start that launched it was cancelled.
            await new LocalServer(_state, new LocalSettings { Port = Port }).StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            DeleteDirectory(StateRoot);
        }
    }

    private static void DeleteDirectory(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // The server may still be closing files for a moment after it exited.
                Thread.Sleep(100);
            }
        }
    }

    private static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
