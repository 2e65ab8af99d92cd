using System.Text.RegularExpressions;
using BranchTasks.Core.Sql;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// The one PlanetScale database the double serves: its branches (each a MariaDB server) and their passwords
/// (each a MariaDB user). Validation failures are <see cref="ApiException"/>s carrying PlanetScale's status and code.
/// </summary>
internal sealed partial class DoubleDatabase : IAsyncDisposable
{
    public const string ProductionBranch = "main";

    private static readonly string[] Roles = ["admin", "writer", "reader", "readwriter"];

    private readonly object _gate = new();
    private readonly Dictionary<string, DoubleBranch> _branches = new(StringComparer.Ordinal);
    private readonly List<DoublePassword> _passwords = [];
    private readonly PasswordExpiry _expiry = new();
    private readonly CaBundle _bundle;
    private readonly string _root;
    private bool _disposed;

    public DoubleDatabase(string name, string root)
    {
        Name = name;
        _root = root;
        _bundle = new CaBundle(Path.Combine(root, "branch-servers-ca.pem"));
    }

    public string Name { get; }

    public string CaCertificateFile => _bundle.Path;

    public IReadOnlyList<DoubleBranch> Branches
    {
        get
        {
            lock (_gate)
            {
                return [.. _branches.Values.OrderBy(b => b.CreatedAt)];
            }
        }
    }

    public IReadOnlyList<DoublePassword> AllPasswords
    {
        get
        {
            lock (_gate)
            {
                return [.. _passwords];
            }
        }
    }

    /// <summary>Creates the production branch and waits for its server, so the double starts with a usable <c>main</c>.</summary>
    public async Task StartProductionAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        _bundle.Rewrite([]);
        var branch = Add(ProductionBranch, null, production: true, TimeSpan.Zero);
        branch.Provisioning = ProvisionAsync(branch, null, cancellationToken);
        await branch.Provisioning.ConfigureAwait(false);
        await branch.Provisioned.Task.ConfigureAwait(false);
    }

    public DoubleBranch? Find(string name)
    {
        lock (_gate)
        {
            return _branches.GetValueOrDefault(name);
        }
    }

    public DoubleBranch Require(string name) =>
        Find(name) ?? throw ApiException.NotFound($"Branch {name} does not exist in database {Name}.");

    /// <summary>Registers the branch and starts its server and schema copy in the background; it is not ready until both are done.</summary>
    public DoubleBranch CreateBranch(string? name, string? parentBranch, TimeSpan readyAfter)
    {
        if (string.IsNullOrEmpty(name) || !BranchName().IsMatch(name))
        {
            throw ApiException.Unprocessable(
                $"Name '{name}' is invalid: a branch name has 1 to 63 characters, lowercase letters, digits and dashes, and starts with a letter or digit.");
        }

        if (string.IsNullOrEmpty(parentBranch))
        {
            throw ApiException.Unprocessable("Parent branch is required (parent_branch).");
        }

        DoubleBranch branch;
        DoubleBranch parent;
        lock (_gate)
        {
            parent = _branches.GetValueOrDefault(parentBranch) ?? throw ApiException.Unprocessable($"Parent branch {parentBranch} does not exist.");
            if (_branches.ContainsKey(name))
            {
                throw ApiException.Unprocessable($"Name {name} has already been taken.");
            }

            branch = Add(name, parent.Name, production: false, readyAfter);
        }

        branch.Provisioning = Task.Run(() => ProvisionAsync(branch, parent, branch.Cancellation.Token));
        return branch;
    }

    public async Task DeleteBranchAsync(string name)
    {
        DoubleBranch branch;
        List<DoublePassword> passwords;
        lock (_gate)
        {
            branch = _branches.GetValueOrDefault(name) ?? throw ApiException.NotFound($"Branch {name} does not exist in database {Name}.");
            if (branch.Production)
            {
                throw ApiException.Unprocessable($"Cannot delete a production branch ({name}). Demote it to a development branch first.");
            }

            _branches.Remove(name);
            passwords = [.. _passwords.Where(p => p.Branch == branch)];
        }

        // The users go away with the server; the records stay, marked deleted, for tests to inspect.
        foreach (var password in passwords)
        {
            await password.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                PasswordExpiry.Cancel(password);
                if (password.Status.DeletedAt is null)
                {
                    password.Status = password.Status with { DeletedAt = DateTimeOffset.UtcNow };
                }
            }
            finally
            {
                password.Gate.Release();
            }
        }

        await RetireAsync(branch).ConfigureAwait(false);
        RewriteBundle();
    }

    public async Task<DoublePassword> CreatePasswordAsync(string branchName, CreatePasswordBody body, CancellationToken cancellationToken)
    {
        var branch = Require(branchName);
        var role = string.IsNullOrEmpty(body.Role) ? "admin" : body.Role;
        if (!Roles.Contains(role, StringComparer.Ordinal))
        {
            throw ApiException.Unprocessable($"Role '{role}' is invalid; it must be one of {string.Join(", ", Roles)}.");
        }

        if (body.Ttl is < 0 or > int.MaxValue)
        {
            throw ApiException.Unprocessable($"TTL {body.Ttl} is invalid; it is a number of seconds, 0 for a password that never expires.");
        }

        if (body.Replica == true)
        {
            throw ApiException.Unprocessable("Replica passwords are not supported by this branch.");
        }

        var now = DateTimeOffset.UtcNow;
        if (!branch.IsReady(now))
        {
            throw ApiException.Unprocessable($"Branch {branch.Name} is not ready yet; try again once it is.");
        }

        var name = string.IsNullOrWhiteSpace(body.Name) ? $"pscale-password-{RandomIds.Hex(8)}" : body.Name;
        var password = new DoublePassword(branch, name, role, (int)(body.Ttl ?? 0), now);
        var account = PasswordExpiry.Account(password.Username);
        var privileges = role == "reader" ? "SELECT, SHOW VIEW" : "ALL PRIVILEGES";

        // PlanetScale only accepts TLS connections; REQUIRE SSL makes a client that skips TLS fail here too.
        // In a GRANT's database name '_' and '%' are wildcards, so they are escaped to name this database only.
        var grantDatabase = SqlIdentifier.Quote(Name.Replace("_", "\\_", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal));
        await password.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await branch.Server.ExecuteAsync(
                $"CREATE USER {account} IDENTIFIED BY {SqlLiteral.Quote(password.PlainText)} REQUIRE SSL; GRANT {privileges} ON {grantDatabase}.* TO {account}",
                cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (Find(branch.Name) != branch)
                {
                    throw ApiException.NotFound($"Branch {branch.Name} was deleted while the password was being created.");
                }

                _passwords.Add(password);
            }

            _expiry.Schedule(password);
        }
        finally
        {
            password.Gate.Release();
        }

        return password;
    }

    /// <summary>The branch's passwords that have not been deleted.</summary>
    public IReadOnlyList<DoublePassword> ListPasswords(string branchName)
    {
        var branch = Require(branchName);
        lock (_gate)
        {
            return [.. _passwords.Where(p => p.Branch == branch && p.Status.DeletedAt is null)];
        }
    }

    public DoublePassword RequirePassword(string branchName, string id)
    {
        var branch = Require(branchName);
        lock (_gate)
        {
            return _passwords.FirstOrDefault(p => p.Branch == branch && p.Id == id && p.Status.DeletedAt is null)
                ?? throw ApiException.NotFound($"Password {id} does not exist on branch {branchName}.");
        }
    }

    /// <summary>Drops the user and ends its open connections: PlanetScale documents that deleting a password disconnects its clients.</summary>
    public async Task DeletePasswordAsync(string branchName, string id)
    {
        var password = RequirePassword(branchName, id);
        await password.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (password.Status.DeletedAt is not null)
            {
                throw ApiException.NotFound($"Password {id} does not exist on branch {branchName}.");
            }

            PasswordExpiry.Cancel(password);
            await password.Branch.Server.ExecuteAsync($"DROP USER IF EXISTS {PasswordExpiry.Account(password.Username)}", CancellationToken.None).ConfigureAwait(false);
            await DisconnectAsync(password).ConfigureAwait(false);
            password.Status = password.Status with { DeletedAt = DateTimeOffset.UtcNow };
        }
        finally
        {
            password.Gate.Release();
        }
    }

    /// <summary>Moves the deadline to now + TTL; only before it has passed, and only for passwords with a TTL.</summary>
    public async Task<DoublePassword> RenewPasswordAsync(string branchName, string id)
    {
        var password = RequirePassword(branchName, id);
        await password.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var status = password.Status;
            if (status.DeletedAt is not null)
            {
                throw ApiException.NotFound($"Password {id} does not exist on branch {branchName}.");
            }

            if (!password.Renewable)
            {
                throw ApiException.Unprocessable($"Password {id} has no TTL, so it cannot be renewed.");
            }

            var now = DateTimeOffset.UtcNow;
            if (status.Expired || status.ExpiresAt <= now)
            {
                throw ApiException.Unprocessable($"Password {id} expired at {ApiJson.Timestamp(status.ExpiresAt)} and can no longer be renewed.");
            }

            password.Status = status with { ExpiresAt = now.AddSeconds(password.TtlSeconds) };
            _expiry.Schedule(password);
            return password;
        }
        finally
        {
            password.Gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<DoubleBranch> branches;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            branches = [.. _branches.Values];
            _branches.Clear();
        }

        _expiry.Dispose();
        try
        {
            await Task.WhenAll(branches.Select(RetireAsync)).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    private DoubleBranch Add(string name, string? parent, bool production, TimeSpan readyAfter)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Short folder names: the server's socket path must stay under the 100-odd bytes Unix allows.
            var server = new DoubleBranchServer(Path.Combine(_root, name.Length > 16 ? name[..16] + "-" + RandomIds.Hex(6) : name + "-" + RandomIds.Hex(6)), Name);
            var branch = new DoubleBranch(name, parent, production, server, DateTimeOffset.UtcNow, readyAfter);
            _branches.Add(name, branch);
            return branch;
        }
    }

    private async Task ProvisionAsync(DoubleBranch branch, DoubleBranch? parent, CancellationToken cancellationToken)
    {
        try
        {
            // The server starts while the parent may still be provisioning; only the copy waits for it.
            await branch.Server.StartAsync(parent is null ? "utf8mb4" : null, null, cancellationToken).ConfigureAwait(false);
            branch.ServerStarted.TrySetResult();
            RewriteBundle();
            if (parent is not null)
            {
                await parent.Provisioned.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                await SchemaCopier.CopyAsync(parent.Server, branch.Server, cancellationToken).ConfigureAwait(false);
            }

            branch.MarkProvisioned(DateTimeOffset.UtcNow);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            branch.ServerStarted.TrySetCanceled(cancellationToken);
            branch.Provisioned.TrySetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            branch.MarkFailed(e);
        }
    }

    private static async Task RetireAsync(DoubleBranch branch)
    {
        await branch.Cancellation.CancelAsync().ConfigureAwait(false);
        await branch.Provisioning.ConfigureAwait(false);
        await branch.Server.StopAndDeleteAsync().ConfigureAwait(false);
    }

    private static async Task DisconnectAsync(DoublePassword password)
    {
        await using var admin = await password.Branch.Server.OpenAdminAsync(CancellationToken.None, useDatabase: false).ConfigureAwait(false);
        var ids = new List<long>();
        await using (var list = new MySqlConnector.MySqlCommand("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = @user", admin))
        {
            list.Parameters.AddWithValue("@user", password.Username);
            await using var reader = await list.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                ids.Add(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        foreach (var id in ids)
        {
            try
            {
                await using var kill = new MySqlConnector.MySqlCommand($"KILL CONNECTION {id}", admin);
                await kill.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (MySqlConnector.MySqlException)
            {
                // Closed on its own in the meantime.
            }
        }
    }

    private void RewriteBundle() => _bundle.Rewrite(Branches.Select(b => b.Server.CertificateFile));

    // PlanetScale's rule: lowercase letters, digits and dashes, starting with a letter or digit.
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex BranchName();
}
