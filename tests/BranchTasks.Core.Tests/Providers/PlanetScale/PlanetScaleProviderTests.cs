using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.PlanetScale;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using BranchTasks.Testing.PlanetScale;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

/// <summary>The <c>planetscale</c> provider against the API double: real HTTP, real TLS logins with real branch passwords.</summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class PlanetScaleProviderTests : IClassFixture<PlanetScaleDoubleFixture>, IAsyncLifetime
{
    private readonly PlanetScaleApiDouble _api;
    private readonly string _state = Directory.CreateTempSubdirectory("bt-planetscale-").FullName;
    private readonly ProviderFactory _factory;
    private readonly TunnelManager _tunnels;

    public PlanetScaleProviderTests(PlanetScaleDoubleFixture fixture)
    {
        _api = fixture.Api;
        _factory = new ProviderFactory(new StateDirectory(_state)) { PlanetScaleRetryDelay = TimeSpan.FromMilliseconds(50) };
        _tunnels = new TunnelManager(new TunnelPortStore(new StateDirectory(_state)));
    }

    private BranchTasksConfig Config(int ttl = 3600, int readyTimeout = 60, bool allowProduction = false, string? organization = null, string? database = null) => new()
    {
        FilePath = Path.Combine(_state, "branchtasks.json"),
        Provider = "planetscale",
        Database = "shop",
        PlanetScale = new PlanetScaleSettings
        {
            Organization = organization ?? _api.Organization,
            Database = database ?? _api.Database,
            CaCertificateFile = _api.CaCertificateFile,
            PasswordTtl = TimeSpan.FromSeconds(ttl),
            ReadyTimeout = TimeSpan.FromSeconds(readyTimeout),
            AllowProduction = allowProduction,
        },
    };

    private ProviderCredentials Token(string? token = null, string? apiUrl = null) => new(
        new Dictionary<string, string>
        {
            [CredentialEnvironment.PlanetScaleTokenId] = _api.TokenId,
            [CredentialEnvironment.PlanetScaleToken] = token ?? _api.Token,
            [CredentialEnvironment.PlanetScaleApiUrl] = apiUrl ?? _api.ApiUrl,
        },
        null);

    private Task<IBranchProvider> ProviderAsync(BranchTasksConfig config, IProgress<string>? progress = null, ProviderCredentials? credentials = null) =>
        _factory.CreateAsync(config, credentials ?? Token(), TestOwners.Default.Repository, CancellationToken.None, progress);

    [Fact]
    public async Task A_new_branch_comes_from_its_parent_when_ready_and_its_tunnel_password_is_deleted_when_the_tunnel_closes()
    {
        var config = Config();
        var progress = new ProgressLog();
        await using var provider = await ProviderAsync(config, progress);
        var target = BranchMapper.Map(config, "feature/y-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.True(await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None));

        var branch = _api.FindBranch(target.Branch)!;
        Assert.True(branch.Ready);
        Assert.Equal("main", branch.ParentBranch);
        Assert.Contains(progress.Lines, l => l.Contains($"Waiting for PlanetScale branch '{target.Branch}'", StringComparison.Ordinal));
        Assert.Contains(progress.Lines, l => l.Contains("is ready", StringComparison.Ordinal));
        var listed = Assert.Single(await provider.ListAsync(CancellationToken.None), b => b.Branch == target.Branch);
        Assert.Equal(target.GitBranch, listed.GitBranch);
        Assert.Equal("main", listed.Parent);

        var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        Assert.Equal(new UpstreamTlsPolicy(true, UpstreamCertificateCheck.Full, _api.CaCertificateFile), lease.Endpoint.Tls);
        Assert.Equal(branch.Port, lease.Endpoint.Port);
        var key = provider.GetTunnelKey(target);
        var tunnel = _tunnels.GetOrStart(key, target.Branch, lease, "/repo");
        var local = TunnelConnectionString.Build(tunnel.Listener.Port, lease.Endpoint.Database, lease.Endpoint.AppUser) + ";SslMode=None;Pooling=false";
        Assert.DoesNotContain(lease.Endpoint.Password!, local);
        Assert.Contains("User ID=branchtasks", local);
        await using (var connection = new MySqlConnection(local))
        {
            await connection.OpenAsync();
            // PlanetScale branches get the parent's schema, not its rows.
            Assert.Equal(0L, Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM items")));
            await Scalar(connection, "INSERT INTO items VALUES (2, 'on the branch')");
            Assert.Equal("shop", await Scalar(connection, "SELECT DATABASE()"));
        }

        Assert.True(tunnel.Listener.UpstreamTls);

        // The branch password is the developer's: another OS user gets BT0505 from the tunnel, not the branch.
        var stranger = await OtherUser.QueryAsync(tunnel.Listener.Port, "SELECT COUNT(*) FROM items");
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.Contains("BT0505", stranger.Combined);

        var password = Assert.Single(_api.LivePasswords, p => p.Branch == target.Branch);
        Assert.Equal(lease.Endpoint.User, password.Username);

        await _tunnels.CloseTunnelAsync(key);

        Assert.True(Assert.Single(_api.Passwords, p => p.Id == password.Id).IsDeleted);
        await provider.DeleteAsync(target, CancellationToken.None);
        Assert.Null(_api.FindBranch(target.Branch));
    }

    [Fact]
    public async Task An_open_tunnel_is_shared_by_later_ensures_with_one_password()
    {
        var config = Config();
        await using var provider = await ProviderAsync(config);
        var target = BranchMapper.Map(config, "shared-" + Guid.NewGuid().ToString("N")[..6]);
        await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None);

        var key = provider.GetTunnelKey(target);
        var first = _tunnels.GetOrStart(key, target.Branch, await provider.OpenUpstreamAsync(target, CancellationToken.None), "/repo");
        var second = _tunnels.GetOrStart(key, target.Branch, await provider.OpenUpstreamAsync(target, CancellationToken.None), "/repo");

        Assert.Same(first, second);
        Assert.Single(_api.Passwords, p => p.Branch == target.Branch);
        await _tunnels.CloseTunnelAsync(key);
        Assert.DoesNotContain(_api.LivePasswords, p => p.Branch == target.Branch);
        await provider.DeleteAsync(target, CancellationToken.None);
    }

    [Fact]
    public async Task Passwords_are_renewed_or_replaced_before_they_expire_and_new_connections_never_notice()
    {
        // Renewal at half the TTL: 4 s of slack for a late timer on a busy machine (5 s left 2.5 s, and CI once missed it).
        var config = Config(ttl: 8);
        await using var provider = await ProviderAsync(config);
        var target = BranchMapper.Map(config, "renew-" + Guid.NewGuid().ToString("N")[..6]);
        await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None);
        var key = provider.GetTunnelKey(target);
        var tunnel = _tunnels.GetOrStart(key, target.Branch, await provider.OpenUpstreamAsync(target, CancellationToken.None), "/repo");
        var local = TunnelConnectionString.Build(tunnel.Listener.Port, "shop", "app") + ";SslMode=None;Pooling=false";
        var original = Assert.Single(_api.Passwords, p => p.Branch == target.Branch);

        // Past the first password's original expiry: it was renewed, so every new connection still logs in.
        await ConnectRepeatedlyAsync(local, TimeSpan.FromSeconds(10));
        Assert.NotEmpty(_api.Requests.Matching("POST", $"/passwords/{original.Id}/renew$"));
        Assert.True(Assert.Single(_api.Passwords, p => p.Id == original.Id).IsLive);

        // PlanetScale refuses the next renewal: a fresh password takes over and the old one, used by no connection, is deleted.
        _api.Faults.Enqueue("POST", "/renew$", FaultResponse.Of(422, message: "Password cannot be renewed."));
        await ConnectRepeatedlyAsync(local, TimeSpan.FromSeconds(8));
        await WaitUntilAsync(() => Assert.Single(_api.Passwords, p => p.Id == original.Id).IsDeleted, TimeSpan.FromSeconds(10));
        var replacement = Assert.Single(_api.LivePasswords, p => p.Branch == target.Branch);
        Assert.NotEqual(original.Username, replacement.Username);
        Assert.Equal(replacement.Username, tunnel.Listener.Upstream.User);

        await _tunnels.CloseTunnelAsync(key);
        Assert.DoesNotContain(_api.LivePasswords, p => p.Branch == target.Branch);
        await provider.DeleteAsync(target, CancellationToken.None);
    }

    [Fact]
    public async Task A_refused_renewal_leaves_a_running_query_alone_and_new_connections_use_a_new_password()
    {
        // Renewal at half the TTL (15 s), while a 20-second query runs; the old password lives until 30 s.
        var config = Config(ttl: 30);
        await using var provider = await ProviderAsync(config);
        var target = BranchMapper.Map(config, "long-" + Guid.NewGuid().ToString("N")[..6]);
        await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None);
        var key = provider.GetTunnelKey(target);
        var tunnel = _tunnels.GetOrStart(key, target.Branch, await provider.OpenUpstreamAsync(target, CancellationToken.None), "/repo");
        var local = TunnelConnectionString.Build(tunnel.Listener.Port, "shop", "app") + ";SslMode=None;Pooling=false;Default Command Timeout=60";
        var original = Assert.Single(_api.Passwords, p => p.Branch == target.Branch);
        _api.Faults.Enqueue("POST", $"/passwords/{original.Id}/renew$", FaultResponse.Of(422, message: "Password cannot be renewed."));

        await using var busy = new MySqlConnection(local);
        await busy.OpenAsync();
        var query = Scalar(busy, "SELECT SLEEP(20)");

        var refused = await _api.Requests.WaitForAsync(r => r.Path.EndsWith($"/passwords/{original.Id}/renew", StringComparison.Ordinal), TimeSpan.FromSeconds(25));
        Assert.Equal(422, refused.StatusCode);
        Assert.True(refused.Time - original.CreatedAt >= TimeSpan.FromSeconds(14), $"renewed {(refused.Time - original.CreatedAt).TotalSeconds:0.0} s after creation");
        await WaitUntilAsync(() => tunnel.Listener.Upstream.User != original.Username, TimeSpan.FromSeconds(10));
        var replacement = Assert.Single(_api.LivePasswords, p => p.Branch == target.Branch && p.Id != original.Id);
        Assert.StartsWith("branchtasks-", replacement.Name, StringComparison.Ordinal);

        // New connections log in with the new password while the old one still serves the running query.
        await using (var fresh = new MySqlConnection(local))
        {
            await fresh.OpenAsync();
            Assert.StartsWith(replacement.Username + "@", (string)(await Scalar(fresh, "SELECT CURRENT_USER()"))!, StringComparison.Ordinal);
        }

        Assert.False(query.IsCompleted);
        Assert.True(Assert.Single(_api.Passwords, p => p.Id == original.Id).IsLive);

        Assert.Equal(0L, Convert.ToInt64(await query.WaitAsync(TimeSpan.FromSeconds(30))));
        await busy.CloseAsync();

        // Its last connection closed, well before it would expire: the old password goes.
        await WaitUntilAsync(() => Assert.Single(_api.Passwords, p => p.Id == original.Id).IsDeleted, TimeSpan.FromSeconds(5));
        var deleted = Assert.Single(_api.Passwords, p => p.Id == original.Id);
        Assert.True(deleted.DeletedAt < deleted.ExpiresAt);

        await _tunnels.CloseTunnelAsync(key);
        Assert.DoesNotContain(_api.LivePasswords, p => p.Branch == target.Branch);
        await provider.DeleteAsync(target, CancellationToken.None);
    }

    [Fact]
    public async Task Production_branches_need_the_opt_in_and_are_never_deleted()
    {
        var main = BranchMapper.Map(Config(), "main");
        await using (var provider = await ProviderAsync(Config()))
        {
            var refused = await Assert.ThrowsAsync<BranchTasksException>(() => provider.OpenUpstreamAsync(main, CancellationToken.None));
            Assert.Equal(ErrorCodes.ProductionBranch, refused.Code);
            Assert.Contains("allowProduction", refused.Message);
            var delete = await Assert.ThrowsAsync<BranchTasksException>(() => provider.DeleteAsync(main, CancellationToken.None));
            Assert.Equal(ErrorCodes.ProductionBranch, delete.Code);
        }

        await using var optedIn = await ProviderAsync(Config(allowProduction: true));
        await using var lease = await optedIn.OpenUpstreamAsync(main, CancellationToken.None);
        Assert.Equal(_api.FindBranch("main")!.Port, lease.Endpoint.Port);
    }

    [Fact]
    public async Task A_branch_made_for_another_repository_is_neither_used_nor_deleted_here()
    {
        var config = Config();
        var target = BranchMapper.Map(config, "feature/owned-" + Guid.NewGuid().ToString("N")[..6]);
        await using (var theirs = await ProviderAsync(config))
        {
            await new BranchOperations(theirs, config).EnsureExistsAsync(target, CancellationToken.None);
        }

        await using var mine = await _factory.CreateAsync(config, Token(), TestOwners.Repository("9999999999999999999999999999999999999999"), CancellationToken.None);
        var operations = new BranchOperations(mine, config);
        var found = (await mine.FindAsync(target.Branch, CancellationToken.None))!;
        var up = await Assert.ThrowsAsync<BranchTasksException>(() => operations.EnsureExistsAsync(target, CancellationToken.None));
        var delete = await Assert.ThrowsAsync<BranchTasksException>(() => operations.DeleteAsync(target, current: null, force: true, CancellationToken.None));

        Assert.Equal(BranchOwnership.OtherRepository, found.Ownership);
        Assert.Equal(TestOwners.Default.Repository.Id, found.Repository);
        Assert.Equal(ErrorCodes.DatabaseOfOtherRepository, up.Code);
        Assert.Equal(ErrorCodes.BranchNotOwned, delete.Code);
        Assert.NotNull(_api.FindBranch(target.Branch));
        Assert.Equal(BranchOwnership.NotMade, (await mine.FindAsync("main", CancellationToken.None))!.Ownership);

        await using var owner = await ProviderAsync(config);
        await new BranchOperations(owner, config).DeleteAsync(target, current: null, force: false, CancellationToken.None);
        Assert.Null(_api.FindBranch(target.Branch));
    }

    [Fact]
    public async Task A_branch_the_tool_did_not_create_is_left_alone()
    {
        var name = "handmade-" + Guid.NewGuid().ToString("N")[..6];
        await _api.CreateBranchAsync(name, "main");
        await using var provider = await ProviderAsync(Config());

        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => provider.DeleteAsync(BranchMapper.ForDatabaseBranch(Config(), name, null), CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchNotOwned, ex.Code);
        Assert.NotNull(_api.FindBranch(name));
    }

    [Fact]
    public async Task A_branch_that_is_not_ready_in_time_is_deleted_again_with_a_clear_error()
    {
        var config = Config(readyTimeout: 1);
        var previous = _api.ReadyAfter;
        _api.ReadyAfter = TimeSpan.FromSeconds(30);
        try
        {
            await using var provider = await ProviderAsync(config);
            var target = BranchMapper.Map(config, "slow-" + Guid.NewGuid().ToString("N")[..6]);

            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None));

            Assert.Equal(ErrorCodes.BranchNotReady, ex.Code);
            Assert.Contains("readyTimeout", ex.Message);
            Assert.Null(_api.FindBranch(target.Branch));
        }
        finally
        {
            _api.ReadyAfter = previous;
        }
    }

    [Fact]
    public async Task Http_errors_become_clear_messages_and_transient_ones_are_retried()
    {
        var config = Config();

        var missing = await Assert.ThrowsAsync<BranchTasksException>(() => ProviderAsync(config, credentials: new ProviderCredentials(new Dictionary<string, string>(), null)));
        Assert.Equal(ErrorCodes.ProviderCredentialsMissing, missing.Code);
        Assert.Contains(CredentialEnvironment.PlanetScaleTokenId, missing.Message);

        await using (var wrongToken = await ProviderAsync(config, credentials: Token("pscale_tkn_wrong")))
        {
            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => wrongToken.ListAsync(CancellationToken.None));
            Assert.Equal(ErrorCodes.ProviderLoginFailed, ex.Code);
            Assert.Contains("HTTP 401", ex.Message);
            Assert.Contains(CredentialEnvironment.PlanetScaleToken, ex.Message);
            Assert.DoesNotContain("pscale_tkn_wrong", ex.Message);
        }

        await using var provider = await ProviderAsync(config);
        _api.Faults.Enqueue("GET", "/branches$", FaultResponse.Of(403, message: "Missing permission read_branch."));
        var forbidden = await Assert.ThrowsAsync<BranchTasksException>(() => provider.ListAsync(CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderLoginFailed, forbidden.Code);
        Assert.Contains("HTTP 403: Missing permission read_branch.", forbidden.Message);

        await using (var unknownOrg = await ProviderAsync(Config(organization: "nobody")))
        {
            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => unknownOrg.ListAsync(CancellationToken.None));
            Assert.Equal(ErrorCodes.ProviderNotFound, ex.Code);
            Assert.Contains("'nobody'", ex.Message);
        }

        _api.Faults.Enqueue("POST", "/branches$", FaultResponse.Of(422, message: "Name has already been taken."));
        var rejected = await Assert.ThrowsAsync<BranchTasksException>(() => provider.CreateAsync(BranchMapper.Map(config, "x-422"), BranchMapper.Map(config, "main"), true, CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderRejected, rejected.Code);
        Assert.Contains("Name has already been taken.", rejected.Message);

        // 429: waits as long as Retry-After says, then succeeds.
        _api.Requests.Clear();
        _api.Faults.Enqueue("GET", "/branches/main$", FaultResponse.RateLimited(1));
        Assert.NotNull(await provider.FindAsync("main", CancellationToken.None));
        var calls = _api.Requests.Matching("GET", "/branches/main$");
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].Time - calls[0].Time >= TimeSpan.FromSeconds(0.9), $"retried after {(calls[1].Time - calls[0].Time).TotalMilliseconds} ms");

        // 5xx: retried a bounded number of times.
        _api.Faults.Enqueue("GET", "/branches/main$", 502, times: 2);
        Assert.NotNull(await provider.FindAsync("main", CancellationToken.None));
        _api.Faults.Enqueue("GET", "/branches/main$", 503, times: 10);
        var outage = await Assert.ThrowsAsync<BranchTasksException>(() => provider.FindAsync("main", CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderUnavailable, outage.Code);
        Assert.Contains("HTTP 503", outage.Message);
        _api.Faults.Clear();

        await using var unreachable = await ProviderAsync(Config(), credentials: Token(apiUrl: $"http://127.0.0.1:{BranchTasks.Core.Providers.Local.LoopbackPorts.PickFree()}/v1"));
        var network = await Assert.ThrowsAsync<BranchTasksException>(() => unreachable.ListAsync(CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderUnavailable, network.Code);
        Assert.Contains("Could not reach", network.Message);
    }

    [Fact]
    public async Task A_lost_answer_to_a_create_is_looked_up_never_sent_again_and_leaves_nothing_behind()
    {
        var config = Config();
        await using var provider = await ProviderAsync(config);
        var target = BranchMapper.Map(config, "lost-" + Guid.NewGuid().ToString("N")[..6]);
        _api.Requests.Clear();

        // The branch is created but its answer never arrives: `up` goes on with it, and it is the tool's.
        _api.Faults.Enqueue("POST", $"{_api.DatabasePath}/branches$", FaultResponse.LostResponse());
        Assert.True(await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None));
        Assert.Equal(0, _api.Faults.Pending);
        Assert.True(Assert.Single(_api.Requests.Matching("POST", "/branches$")).Lost);
        Assert.Equal(target.GitBranch, Assert.Single(await provider.ListAsync(CancellationToken.None), b => b.Branch == target.Branch).GitBranch);

        // The password is created but its answer is lost: it is found by its name and deleted, and a second one serves.
        _api.Faults.Enqueue("POST", $"/branches/{target.Branch}/passwords$", FaultResponse.LostResponse());
        var key = provider.GetTunnelKey(target);
        var tunnel = _tunnels.GetOrStart(key, target.Branch, await provider.OpenUpstreamAsync(target, CancellationToken.None), "/repo");
        Assert.Equal(0, _api.Faults.Pending);
        var passwords = _api.Passwords.Where(p => p.Branch == target.Branch).ToList();
        Assert.Equal(2, passwords.Count);
        Assert.All(passwords, p => Assert.StartsWith("branchtasks-", p.Name, StringComparison.Ordinal));
        Assert.True(passwords[0].IsDeleted);
        Assert.Equal(passwords[1].Username, tunnel.Listener.Upstream.User);
        await using (var connection = new MySqlConnection(TunnelConnectionString.Build(tunnel.Listener.Port, "shop", "app") + ";SslMode=None;Pooling=false"))
        {
            await connection.OpenAsync();
            Assert.Equal("shop", await Scalar(connection, "SELECT DATABASE()"));
        }

        await _tunnels.CloseTunnelAsync(key);
        Assert.DoesNotContain(_api.LivePasswords, p => p.Branch == target.Branch);
        await provider.DeleteAsync(target, CancellationToken.None);
        Assert.Null(_api.FindBranch(target.Branch));

        // A create answered with 5xx is not repeated either: PlanetScale is asked whether it happened (it did not).
        var failed = BranchMapper.Map(config, "failed-" + Guid.NewGuid().ToString("N")[..6]);
        _api.Requests.Clear();
        _api.Faults.Enqueue("POST", $"{_api.DatabasePath}/branches$", 503);
        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => new BranchOperations(provider, config).EnsureExistsAsync(failed, CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderUnavailable, ex.Code);
        Assert.Single(_api.Requests.Matching("POST", "/branches$"));
        Assert.Null(_api.FindBranch(failed.Branch));
    }

    [Fact]
    public async Task A_list_that_spans_pages_is_read_to_the_end()
    {
        var config = Config();
        await using var provider = await ProviderAsync(config);
        var name = "paged-" + Guid.NewGuid().ToString("N")[..6];
        await _api.CreateBranchAsync(name, "main");
        _api.MaxPerPage = 1;
        try
        {
            _api.Requests.Clear();
            var listed = await provider.ListAsync(CancellationToken.None);

            Assert.Contains(listed, b => b.Branch == "main");
            Assert.Contains(listed, b => b.Branch == name);
            Assert.Equal(_api.Branches.Count, listed.Count);
            Assert.True(_api.Requests.Matching("GET", "/branches$").Count >= 2);
        }
        finally
        {
            _api.MaxPerPage = 100;
        }
    }

    [Fact]
    public async Task An_unknown_organization_or_database_is_told_apart_from_a_missing_branch()
    {
        var config = Config();
        await using (var unknownOrg = await ProviderAsync(Config(organization: "acme-typo")))
        {
            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => unknownOrg.FindAsync("dev", CancellationToken.None));
            Assert.Equal(ErrorCodes.ProviderNotFound, ex.Code);
            Assert.Contains("no organization 'acme-typo'", ex.Message);
            var open = await Assert.ThrowsAsync<BranchTasksException>(() => unknownOrg.OpenUpstreamAsync(BranchMapper.Map(config, "dev"), CancellationToken.None));
            Assert.Equal(ErrorCodes.ProviderNotFound, open.Code);
        }

        var unknownDatabase = Config(database: "shop-typo");
        await using (var provider = await ProviderAsync(unknownDatabase))
        {
            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => provider.FindAsync("dev", CancellationToken.None));
            Assert.Equal(ErrorCodes.ProviderNotFound, ex.Code);
            Assert.Contains("no database 'shop-typo'", ex.Message);
        }

        await using (var provider = await ProviderAsync(config))
        {
            Assert.Null(await provider.FindAsync("no-such-branch", CancellationToken.None));
            var open = await Assert.ThrowsAsync<BranchTasksException>(() => provider.OpenUpstreamAsync(BranchMapper.Map(config, "no-such-branch"), CancellationToken.None));
            Assert.Equal(ErrorCodes.BranchNotFound, open.Code);
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/v1")]
    [InlineData("/v1/")]
    public async Task The_api_address_is_taken_as_pscale_means_it_with_or_without_v1(string suffix)
    {
        var root = _api.ApiUrl[..^"/v1".Length];
        await using var provider = await ProviderAsync(Config(), credentials: Token(apiUrl: root + suffix));
        _api.Requests.Clear();

        Assert.NotNull(await provider.FindAsync("main", CancellationToken.None));
        Assert.All(_api.Requests.Snapshot(), r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public async Task An_http_api_address_off_loopback_is_refused_and_the_token_never_reaches_it()
    {
        using var elsewhere = ConnectionRecorder.OnNonLoopbackAddress();
        var requestsBefore = _api.Requests.Snapshot().Count;

        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => ProviderAsync(Config(), credentials: Token(apiUrl: $"http://{elsewhere.Address}:{elsewhere.Port}/v1")));

        Assert.Equal(ErrorCodes.ApiAddressNotAllowed, ex.Code);
        Assert.Contains("http", ex.Message);
        Assert.Contains("loopback", ex.Message);
        Assert.Contains("not sent", ex.Message);
        Assert.DoesNotContain(_api.Token, ex.Message);
        Assert.Equal(0, elsewhere.Connections);
        Assert.Equal(requestsBefore, _api.Requests.Snapshot().Count);
    }

    [Theory]
    [InlineData("ftp://api.example.com/v1")]
    [InlineData("https://api.example.com/v1?x=1")]
    [InlineData("not a url")]
    public async Task An_api_address_that_is_not_https_without_query_is_refused(string apiUrl)
    {
        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => ProviderAsync(Config(), credentials: Token(apiUrl: apiUrl)));

        Assert.Equal(ErrorCodes.ApiAddressNotAllowed, ex.Code);
        Assert.Contains(CredentialEnvironment.PlanetScaleApiUrl, ex.Message);
    }

    [Fact]
    public async Task The_api_address_comes_from_user_secrets_next_to_the_token()
    {
        var id = "branchtasks-test-" + Guid.NewGuid().ToString("N")[..12];
        var secretsFile = Microsoft.Extensions.Configuration.UserSecrets.PathHelper.GetSecretsPathFromSecretsId(id);
        Directory.CreateDirectory(Path.GetDirectoryName(secretsFile)!);
        await File.WriteAllTextAsync(secretsFile, $$"""
            { "{{PlanetScaleApiClient.TokenIdSecretKey}}": "{{_api.TokenId}}", "{{PlanetScaleApiClient.TokenSecretKey}}": "{{_api.Token}}", "{{CredentialBinding.PlanetScaleApiUrlSecretKey}}": "{{_api.ApiUrl}}" }
            """);
        try
        {
            await using var provider = await ProviderAsync(Config(), credentials: new ProviderCredentials(null, id));
            var before = _api.Requests.Snapshot().Count;

            Assert.NotNull(await provider.FindAsync("main", CancellationToken.None));
            Assert.True(_api.Requests.Snapshot().Count > before);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(secretsFile)!, recursive: true);
        }
    }

    private static async Task ConnectRepeatedlyAsync(string connectionString, TimeSpan duration)
    {
        var until = DateTimeOffset.UtcNow + duration;
        var count = 0;
        while (DateTimeOffset.UtcNow < until)
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            Assert.Equal(1, Convert.ToInt32(await Scalar(connection, "SELECT 1")));
            count++;
            await Task.Delay(250);
        }

        Assert.True(count > 3);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"not within {timeout.TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }

    private static async Task<object?> Scalar(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _tunnels.DisposeAsync();
        await _factory.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }
}
