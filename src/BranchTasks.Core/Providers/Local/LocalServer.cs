using System.Diagnostics;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;
using MySqlConnector;

namespace BranchTasks.Core.Providers.Local;

/// <summary>
/// The private MariaDB/MySQL server of the <c>local</c> provider: initialised on first use, started on
/// demand, shared by every BranchTasks process of the user, its data kept across stops.
/// </summary>
public sealed class LocalServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    // Longer than a start, so a waiting process outlasts the one that is starting the server.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(150);

    private readonly StateDirectory _state;
    private readonly LocalSettings _settings;
    private readonly ServerBinaryLocator _locator;
    private readonly LocalServerLayout _layout;

    public LocalServer(StateDirectory state, LocalSettings settings)
        : this(state, settings, ServerBinaryLocator.ForCurrentMachine(settings))
    {
    }

    public LocalServer(StateDirectory state, LocalSettings settings, ServerBinaryLocator locator)
    {
        _state = state;
        _settings = settings;
        _locator = locator;
        _layout = new LocalServerLayout(state);
    }

    /// <summary>The folder holding the data directory, state, credentials and log.</summary>
    public string Directory => _layout.Directory;

    public string LogFile => _layout.LogFile;

    /// <summary>The running server as recorded, without talking to it; null when it is not running.</summary>
    public LocalServerEndpoint? TryGetRunning()
    {
        var current = LocalServerState.TryRead(_layout.StateFile);
        if (current is not { ProcessId: int pid, Provisioned: true } || !ServerProcess.IsOurs(pid, _layout))
        {
            return null;
        }

        var credentials = LocalServerCredentials.TryRead(_layout.CredentialsFile);
        return credentials is not { AccountSecret: not null } ? null : ToEndpoint(current, credentials, pid, current.ServerVersion ?? string.Empty);
    }

    /// <summary>Returns the running server, starting it (and creating its data directory) when needed.</summary>
    public async Task<LocalServerEndpoint> EnsureRunningAsync(CancellationToken cancellationToken)
    {
        PrepareDirectories();
        using var serverLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);

        var current = LocalServerState.TryRead(_layout.StateFile);
        var credentials = LocalServerCredentials.TryRead(_layout.CredentialsFile);
        if (credentials is { AccountSecret: null })
        {
            // Files from before per-project app accounts: the accounts get their passwords when they are granted a branch.
            credentials = credentials.WithAccountSecret();
            credentials.Write(_layout.CredentialsFile);
        }

        if (current is { ProcessId: int pid } && ServerProcess.IsOurs(pid, _layout))
        {
            if (_settings.Port is int wanted && wanted != current.Port)
            {
                // The server is shared by every repository of the user: restarting it on another port would move
                // the upstream of their tunnels under them, so a repository's local.port never does that by itself.
                throw PortMismatch(wanted, current.Port, pid);
            }

            // A server started before BranchTasks served TLS is restarted once to pick up its certificate.
            var hasCertificate = File.Exists(_layout.TlsCertificateFile) && File.Exists(_layout.TlsKeyFile);
            if (credentials is not null && current.Provisioned && hasCertificate)
            {
                if (credentials.AppPassword is null)
                {
                    credentials = await UpgradeAppPasswordAsync(current, credentials, pid, cancellationToken).ConfigureAwait(false);
                }

                var endpoint = ToEndpoint(current, credentials, pid, current.ServerVersion ?? string.Empty);
                var version = credentials.AppPassword is null ? null : await TryQueryUsableVersionAsync(endpoint, cancellationToken).ConfigureAwait(false);
                if (version is not null)
                {
                    return endpoint with { ServerVersion = version };
                }
            }

            // Alive but not usable as it is (not answering, credentials lost, started
            // before secure_file_priv or its own tmpdir was set): restart it.
            await ShutDownAsync(current, pid, credentials, cancellationToken).ConfigureAwait(false);
        }

        return await StartAsync(current, credentials, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the server down cleanly; false when it was not running.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(_layout.Directory))
        {
            return false;
        }

        using var serverLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var current = LocalServerState.TryRead(_layout.StateFile);
        if (current is not { ProcessId: int pid })
        {
            return false;
        }

        if (!ServerProcess.IsOurs(pid, _layout))
        {
            (current with { ProcessId = null }).Write(_layout.StateFile);
            return false;
        }

        await ShutDownAsync(current, pid, LocalServerCredentials.TryRead(_layout.CredentialsFile), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Serialises "is the server up, else start it" across every BranchTasks process of the user.</summary>
    private async Task<FileLock> AcquireLockAsync(CancellationToken cancellationToken) =>
        await FileLock.AcquireAsync(_layout.LockFile, LockTimeout, cancellationToken).ConfigureAwait(false)
        ?? throw new BranchTasksException(
            ErrorCodes.ServerStartFailed,
            $"Another BranchTasks process has held the private server's lock ({_layout.LockFile}) for more than {LockTimeout.TotalSeconds:0} s. " +
            "Wait for it to finish, or end the stuck branchtasks process and try again.");

    private void PrepareDirectories()
    {
        _state.EnsureDirectory();
        _state.EnsureDirectory("local");

        // The only folder the server may read or write files in (LOAD DATA INFILE, SELECT ... INTO OUTFILE): empty, the user's alone.
        _state.EnsureDirectory(Path.GetRelativePath(_state.Root, _layout.SecureFilesDirectory));
        _state.EnsureDirectory(Path.GetRelativePath(_state.Root, _layout.TempDirectory));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_layout.SecureFilesDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        PrivateDirectory.EnsureSocketFolder(_layout.SocketFile, _state.Root);
    }

    private async Task<LocalServerEndpoint> StartAsync(LocalServerState? previous, LocalServerCredentials? credentials, CancellationToken cancellationToken)
    {
        var binaries = _locator.Locate();
        var port = ChoosePort(previous);
        var fresh = await new LocalServerInitializer(_state, _layout).EnsureInitializedAsync(binaries, cancellationToken).ConfigureAwait(false);

        var provision = fresh || previous is not { Provisioned: true };
        if (credentials is null)
        {
            credentials = LocalServerCredentials.Generate();
            credentials.Write(_layout.CredentialsFile);
            provision = true;
        }
        else if (credentials.AppPassword is null)
        {
            // A data directory from before the app account had a password: the init file sets it.
            credentials = credentials.WithAppPassword();
            credentials.Write(_layout.CredentialsFile);
            provision = true;
        }

        ServerCertificate.EnsureExists(_state, _layout);

        string? initFile = null;
        if (provision)
        {
            initFile = Path.Combine(_layout.Directory, $"init-{Guid.NewGuid():N}.sql");
            StateDirectory.WritePrivateFile(initFile, LocalServerProvisioning.BuildInitScript(credentials, binaries.Flavor));
        }

        var logOffset = ServerLog.CurrentLength(_layout.LogFile);
        var state = new LocalServerState(null, port, previous?.ServerVersion, _layout.DataDirectory, binaries.ServerPath, Provisioned: !provision);
        try
        {
            using var process = ChildProcess.StartDetached(new ProcessCommand(binaries.ServerPath, ServerArguments.For(binaries, _layout, port, initFile)), _layout.LogFile);

            // Recorded before waiting, so a crash of this process still leaves the pid for the next one to stop.
            state = state with { ProcessId = process.Id };
            state.Write(_layout.StateFile);

            var endpoint = ToEndpoint(state, credentials, process.Id, string.Empty);
            var version = await WaitUntilAnsweringAsync(process, endpoint, logOffset, cancellationToken).ConfigureAwait(false);
            await RevokeSharedAppAccountRightsAsync(endpoint, cancellationToken).ConfigureAwait(false);
            state = state with { ServerVersion = version, Provisioned = true };
            state.Write(_layout.StateFile);
            return endpoint with { ServerVersion = version };
        }
        finally
        {
            if (initFile is not null)
            {
                File.Delete(initFile);
            }
        }
    }

    /// <summary>Gives the app account of a running server (made before it had one) a password.</summary>
    private async Task<LocalServerCredentials> UpgradeAppPasswordAsync(LocalServerState current, LocalServerCredentials credentials, int pid, CancellationToken cancellationToken)
    {
        var upgraded = credentials.WithAppPassword();
        try
        {
            var endpoint = ToEndpoint(current, upgraded, pid, current.ServerVersion ?? string.Empty);
            await using var connection = new MySqlConnection(ProbeConnectionString(endpoint));
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var statement in LocalServerProvisioning.SetAppPassword(upgraded))
            {
                await using var command = new MySqlCommand(statement, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MySqlException)
        {
            // Not answering: the caller restarts it, and the init file then sets the password.
            return credentials;
        }

        upgraded.Write(_layout.CredentialsFile);
        return upgraded;
    }

    /// <summary>
    /// Data directories from before per-project app accounts gave the shared app account every right on the
    /// server; each start takes them away (idempotent: nothing to take on newer ones).
    /// </summary>
    private static async Task RevokeSharedAppAccountRightsAsync(LocalServerEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ProbeConnectionString(endpoint));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var statement in LocalServerProvisioning.RevokeAppRights(endpoint.AppUser))
        {
            await using var command = new MySqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int ChoosePort(LocalServerState? previous)
    {
        if (_settings.Port is int configured)
        {
            if (!LoopbackPorts.IsFree(configured))
            {
                throw new BranchTasksException(
                    ErrorCodes.PortInUse,
                    $"Port {configured} on 127.0.0.1, configured as local.port in branchtasks.json for the private database server, is already in use by another program. " +
                    "Stop that program, choose another port for local.port, or remove local.port to let BranchTasks pick a free port.");
            }

            return configured;
        }

        return previous is { Port: > 0 and <= 65535 } && LoopbackPorts.IsFree(previous.Port) ? previous.Port : LoopbackPorts.PickFree();
    }

    private async Task<string> WaitUntilAnsweringAsync(Process process, LocalServerEndpoint endpoint, long logOffset, CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        var version = await Retry.UntilAsync(
            async token =>
            {
                if (process.HasExited)
                {
                    throw StartFailed($"the server exited (code {process.ExitCode}) before accepting connections", logOffset, lastError);
                }

                try
                {
                    return await QueryVersionAsync(endpoint, token).ConfigureAwait(false);
                }
                catch (MySqlException e)
                {
                    lastError = e;
                    return null;
                }
            },
            StartTimeout,
            RetryDelays.Every(TimeSpan.FromMilliseconds(100)),
            cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            ChildProcess.Kill(process, entireTree: false);
            process.WaitForExit(10_000);
            throw StartFailed($"the server did not answer within {StartTimeout.TotalSeconds:0} s", logOffset, lastError);
        }

        return version;
    }

    private static BranchTasksException PortMismatch(int wanted, int running, int pid) => new(
        ErrorCodes.ServerPortMismatch,
        $"local.port in branchtasks.json is {wanted}, but the private database server is already running on port {running} (pid {pid}) " +
        "for every repository of this user, and restarting it on another port would move the tunnels of the others. " +
        $"Either set local.port to {running} (or remove it), or stop the server first with `branchtasks server stop` so the next `branchtasks up` starts it on port {wanted}.");

    private BranchTasksException StartFailed(string why, long logOffset, Exception? inner)
    {
        var current = LocalServerState.TryRead(_layout.StateFile);
        if (current is not null)
        {
            (current with { ProcessId = null }).Write(_layout.StateFile);
        }

        return new BranchTasksException(
            ErrorCodes.ServerStartFailed,
            $"Starting the private database server failed: {why}. Its log ({_layout.LogFile}) ends with:{Environment.NewLine}" +
            $"{ServerLog.Tail(_layout.LogFile, logOffset)}{Environment.NewLine}" +
            $"Fix the cause above and run again; to start from scratch, stop BranchTasks and delete {_layout.Directory}.",
            inner);
    }

    private async Task ShutDownAsync(LocalServerState current, int pid, LocalServerCredentials? credentials, CancellationToken cancellationToken)
    {
        var asked = false;
        if (credentials is not null)
        {
            var endpoint = ToEndpoint(current, credentials, pid, current.ServerVersion ?? string.Empty);
            try
            {
                await using var connection = new MySqlConnection(ProbeConnectionString(endpoint));
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new MySqlCommand("SHUTDOWN", connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                asked = true;
            }
            catch (MySqlException)
            {
                // Not answering or not letting us in: it is killed below.
            }

            await MySqlConnection.ClearPoolAsync(new MySqlConnection(endpoint.CreateAdminConnectionString().ConnectionString), cancellationToken).ConfigureAwait(false);
            await MySqlConnection.ClearPoolAsync(new MySqlConnection(endpoint.CreateAppConnectionString().ConnectionString), cancellationToken).ConfigureAwait(false);
        }

        if (!asked || !await ServerProcess.WaitForExitAsync(pid, _layout, StopTimeout, cancellationToken).ConfigureAwait(false))
        {
            ServerProcess.Kill(pid, _layout);
            await ServerProcess.WaitForExitAsync(pid, _layout, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }

        (current with { ProcessId = null }).Write(_layout.StateFile);
    }

    /// <summary>The server's version; null when it does not answer or was started without secure_file_priv or its own tmpdir.</summary>
    private async Task<string?> TryQueryUsableVersionAsync(LocalServerEndpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new MySqlConnection(ProbeConnectionString(endpoint));
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT VERSION(), @@secure_file_priv, @@tmpdir", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // Unset, the server reads and writes files anywhere it can: one started before this was set is restarted with it.
            var unrestricted = reader.IsDBNull(1) || reader.GetString(1).Length == 0;
            // One started before it had a temporary folder of its own still uses the shared /tmp: restarted too.
            var sharedTemp = reader.IsDBNull(2) || Path.TrimEndingDirectorySeparator(reader.GetString(2)) != Path.TrimEndingDirectorySeparator(_layout.TempDirectory);
            return unrestricted || sharedTemp ? null : reader.GetString(0);
        }
        catch (MySqlException)
        {
            return null;
        }
    }

    private static async Task<string?> QueryVersionAsync(LocalServerEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ProbeConnectionString(endpoint));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand("SELECT VERSION()", connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    // Unpooled: a probe must really reach the server, and a pool would outlive a server that is being replaced.
    private static string ProbeConnectionString(LocalServerEndpoint endpoint)
    {
        var builder = endpoint.CreateAdminConnectionString();
        builder.Pooling = false;
        builder.ConnectionTimeout = 3;
        return builder.ConnectionString;
    }

    private LocalServerEndpoint ToEndpoint(LocalServerState state, LocalServerCredentials credentials, int pid, string version) =>
        new("127.0.0.1", state.Port, credentials.AdminUser, credentials.AdminPassword, credentials.AppUser, credentials.AppPassword ?? string.Empty, pid, version)
        {
            AccountSecret = credentials.AccountSecret ?? string.Empty,
            DataDirectory = state.DataDirectory,
            // The server gets this socket everywhere but on Windows (see ServerArguments).
            UnixSocket = OperatingSystem.IsWindows() ? null : _layout.SocketFile,
        };
}
