using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BranchTasks.Testing.PlanetScale;
using MySqlConnector;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

/// <summary>
/// The PlanetScale double answers like PlanetScale's API and its passwords are real, TLS-only database
/// users: what the <c>planetscale</c> provider's tests rely on.
/// </summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class PlanetScaleApiDoubleTests(PlanetScaleApiDoubleFixture fixture) : IClassFixture<PlanetScaleApiDoubleFixture>
{
    // The double locks a user within milliseconds of expires_at on a quiet machine; a busy one (two cores shared
    // with builds and benchmarks) was seen taking over a second, so tests wait for the lock rather than for a fixed time.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private PlanetScaleApiDouble Double => fixture.Double;

    private HttpClient Client => fixture.Client;

    private string Branches => Double.DatabasePath + "/branches";

    [Fact]
    public async Task Requests_without_the_service_token_or_with_a_wrong_one_are_unauthorized()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(Double.ApiUrl + "/") };
        using var missing = await anonymous.GetAsync(Branches);
        await AssertErrorAsync(missing, HttpStatusCode.Unauthorized, "unauthorized");

        using var wrong = new HttpRequestMessage(HttpMethod.Get, Branches);
        wrong.Headers.TryAddWithoutValidation("Authorization", Double.TokenId + ":not-the-token");
        using var wrongResponse = await anonymous.SendAsync(wrong);
        await AssertErrorAsync(wrongResponse, HttpStatusCode.Unauthorized, "unauthorized");

        using var unknownOrg = await Client.GetAsync($"organizations/other-org/databases/{Double.Database}/branches");
        await AssertErrorAsync(unknownOrg, HttpStatusCode.NotFound, "not_found");
        using var unknownDatabase = await Client.GetAsync($"organizations/{Double.Organization}/databases/other-db/branches");
        await AssertErrorAsync(unknownDatabase, HttpStatusCode.NotFound, "not_found");

        using var list = await Client.GetAsync(Branches);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var body = await ReadAsync(list);
        Assert.Equal("list", body.GetProperty("type").GetString());
        var main = Assert.Single(body.GetProperty("data").EnumerateArray(), b => b.GetProperty("name").GetString() == "main");
        Assert.True(main.GetProperty("production").GetBoolean());
        Assert.True(main.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task A_new_branch_is_ready_only_after_the_delay_and_has_the_parents_schema_but_not_its_rows()
    {
        var clock = Stopwatch.StartNew();
        using var created = await Client.PostAsJsonAsync(Branches, new { name = "feature-schema", parent_branch = "main", backup_id = "ignored" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var branch = await ReadAsync(created);
        Assert.False(branch.GetProperty("ready").GetBoolean());
        Assert.Equal("Branch", branch.GetProperty("type").GetString());
        Assert.Equal("feature-schema", branch.GetProperty("name").GetString());
        Assert.Equal("main", branch.GetProperty("parent_branch").GetString());
        Assert.False(branch.GetProperty("production").GetBoolean());
        Assert.Equal($"https://app.planetscale.com/{Double.Organization}/{Double.Database}/feature-schema", branch.GetProperty("html_url").GetString());
        Assert.Equal("local", branch.GetProperty("region").GetProperty("slug").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", branch.GetProperty("created_at").GetString());
        // Real branch objects (planetscale-go's DatabaseBranch, the API docs) carry no access_host_url; passwords do.
        Assert.False(branch.TryGetProperty("access_host_url", out _));
        Assert.Equal("pending", branch.GetProperty("state").GetString());
        Assert.Equal("127.0.0.1", branch.GetProperty("mysql_address").GetString());
        Assert.Equal("127.0.0.1", branch.GetProperty("mysql_edge_address").GetString());

        // Not ready: no passwords yet.
        using var early = await Client.PostAsJsonAsync($"{Branches}/feature-schema/passwords", new { name = "too-early", role = "admin" });
        await AssertErrorAsync(early, HttpStatusCode.UnprocessableEntity, "unprocessable");

        var ready = false;
        while (!ready)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "The branch did not become ready within 60 s: " + Double.FindBranch("feature-schema"));
            using var get = await Client.GetAsync($"{Branches}/feature-schema");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            ready = (await ReadAsync(get)).GetProperty("ready").GetBoolean();
            if (!ready)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(clock.Elapsed >= Double.ReadyAfter, $"Ready after {clock.Elapsed}, before ReadyAfter {Double.ReadyAfter}.");

        await using var copy = await Double.OpenBranchAdminAsync("feature-schema");
        Assert.Equal(0L, await ScalarAsync<long>(copy, "SELECT COUNT(*) FROM products"));
        Assert.Equal(0L, await ScalarAsync<long>(copy, "SELECT COUNT(*) FROM orders"));
        Assert.Equal(0L, await ScalarAsync<long>(copy, "SELECT COUNT(*) FROM product_names"));
        Assert.Equal(1L, await ScalarAsync<long>(copy, "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'"));
        Assert.Equal("utf8mb4", await ScalarAsync<string>(copy, "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"));

        // The copy starts its counter afresh, not after the parent's rows.
        await using var insert = new MySqlCommand("INSERT INTO products (name) VALUES ('plum'); SELECT LAST_INSERT_ID();", copy);
        Assert.Equal(1UL, Convert.ToUInt64(await insert.ExecuteScalarAsync()));

        await using var main = await Double.OpenBranchAdminAsync("main");
        Assert.Equal(2L, await ScalarAsync<long>(main, "SELECT COUNT(*) FROM products"));
    }

    [Fact]
    public async Task A_password_is_a_real_TLS_only_user_of_the_database_and_stops_working_at_its_TTL()
    {
        var password = await CreatePasswordAsync("main", "ttl-two", "admin", ttl: 2);
        Assert.Equal("Password", password.GetProperty("type").GetString());
        Assert.Equal(2, password.GetProperty("ttl_seconds").GetInt32());
        Assert.True(password.GetProperty("renewable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, password.GetProperty("deleted_at").ValueKind);
        Assert.Equal("ServiceToken", password.GetProperty("actor").GetProperty("type").GetString());
        Assert.Equal("main", password.GetProperty("database_branch").GetProperty("name").GetString());
        Assert.True(password.GetProperty("database_branch").GetProperty("production").GetBoolean());
        var username = password.GetProperty("username").GetString()!;
        Assert.Matches("^[a-z]{12}$", username);
        var plainText = password.GetProperty("plain_text").GetString()!;
        Assert.StartsWith("pscale_pw_", plainText);
        var expiresAt = DateTimeOffset.Parse(password.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var connectionString = ConnectionString(password);

        await using (var connection = new MySqlConnection(connectionString.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal(Double.Database, await ScalarAsync<string>(connection, "SELECT DATABASE()"));
            Assert.NotEqual(string.Empty, await ScalarAsync<string>(connection, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"));
            Assert.Equal(2L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM products"));
        }

        var plain = new MySqlConnectionStringBuilder(connectionString.ConnectionString) { SslMode = MySqlSslMode.None };
        Assert.NotNull(await TryLoginAsync(plain));

        // GET shows it without its secret.
        using var get = await Client.GetAsync($"{Branches}/main/passwords/{password.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.False((await ReadAsync(get)).TryGetProperty("plain_text", out _));

        // The logins above, within the TTL, worked.
        await WaitUntilAsync(expiresAt);
        var refused = await WaitForRefusalAsync(connectionString);
        Assert.Contains("locked", refused.Message, StringComparison.OrdinalIgnoreCase);
        var info = await LockedPasswordAsync(p => p.Username == username);
        Assert.True(info.LockedAt >= info.ExpiresAt, $"Locked at {info.LockedAt:O}, before it expired at {info.ExpiresAt:O}.");

        using var late = await Client.PostAsync($"{Branches}/main/passwords/{password.GetProperty("id").GetString()}/renew", content: null);
        await AssertErrorAsync(late, HttpStatusCode.UnprocessableEntity, "unprocessable");
    }

    [Fact]
    public async Task Renewing_before_expiry_moves_the_deadline_by_the_TTL()
    {
        var password = await CreatePasswordAsync("main", "renewed", "reader", ttl: 2);
        var id = password.GetProperty("id").GetString()!;
        var firstDeadline = DateTimeOffset.Parse(password.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var connectionString = ConnectionString(password);

        // A reader reads, and nothing more.
        await using (var connection = new MySqlConnection(connectionString.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal(2L, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM products"));
            await using var write = new MySqlCommand("INSERT INTO products (name) VALUES ('forbidden')", connection);
            await Assert.ThrowsAsync<MySqlException>(() => write.ExecuteNonQueryAsync());
        }

        await WaitUntilAsync(firstDeadline - TimeSpan.FromSeconds(1));
        var sent = DateTimeOffset.UtcNow;
        using var renew = await Client.PostAsync($"{Branches}/main/passwords/{id}/renew", content: null);
        var received = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, renew.StatusCode);
        var renewed = await ReadAsync(renew);
        var secondDeadline = DateTimeOffset.Parse(renewed.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(secondDeadline, sent.AddSeconds(2).AddMilliseconds(-5), received.AddSeconds(2).AddMilliseconds(5));
        Assert.True(secondDeadline > firstDeadline);
        Assert.False(renewed.TryGetProperty("plain_text", out _));

        await WaitUntilAsync(firstDeadline + TimeSpan.FromMilliseconds(400));
        Assert.Null(await TryLoginAsync(connectionString));

        await WaitUntilAsync(secondDeadline);
        await WaitForRefusalAsync(connectionString);
        Assert.True((await LockedPasswordAsync(p => p.Id == id)).LockedAt >= secondDeadline);
    }

    [Fact]
    public async Task Deleting_a_password_drops_its_user_disconnects_its_clients_and_is_logged()
    {
        var password = await CreatePasswordAsync("main", "forever", "readwriter", ttl: 0);
        var id = password.GetProperty("id").GetString()!;
        Assert.Equal(JsonValueKind.Null, password.GetProperty("expires_at").ValueKind);
        Assert.False(password.GetProperty("renewable").GetBoolean());
        var connectionString = ConnectionString(password);
        Assert.Null(await TryLoginAsync(connectionString));
        await using var open = new MySqlConnection(connectionString.ConnectionString);
        await open.OpenAsync();

        using var renew = await Client.PostAsync($"{Branches}/main/passwords/{id}/renew", content: null);
        await AssertErrorAsync(renew, HttpStatusCode.UnprocessableEntity, "unprocessable");

        using var list = await Client.GetAsync($"{Branches}/main/passwords");
        Assert.Contains((await ReadAsync(list)).GetProperty("data").EnumerateArray(), p => p.GetProperty("id").GetString() == id);

        using var delete = await Client.DeleteAsync($"{Branches}/main/passwords/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.NotNull(await TryLoginAsync(connectionString));
        await using (var query = new MySqlCommand("SELECT 1", open))
        {
            // PlanetScale documents it: deleting a password disconnects the clients that use it.
            await Assert.ThrowsAnyAsync<Exception>(() => query.ExecuteScalarAsync());
        }

        Assert.Contains(Double.Requests.Snapshot(), r => r.Method == "DELETE" && r.Path.EndsWith($"/passwords/{id}", StringComparison.Ordinal) && r.StatusCode == 204);
        var info = Assert.Single(Double.Passwords, p => p.Id == id);
        Assert.True(info.IsDeleted);
        Assert.DoesNotContain(Double.LivePasswords, p => p.Id == id);

        using var get = await Client.GetAsync($"{Branches}/main/passwords/{id}");
        await AssertErrorAsync(get, HttpStatusCode.NotFound, "not_found");
        using var again = await Client.DeleteAsync($"{Branches}/main/passwords/{id}");
        await AssertErrorAsync(again, HttpStatusCode.NotFound, "not_found");
        using var listAfter = await Client.GetAsync($"{Branches}/main/passwords");
        Assert.DoesNotContain((await ReadAsync(listAfter)).GetProperty("data").EnumerateArray(), p => p.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Deleting_a_branch_stops_its_server_and_deletes_its_files_and_passwords()
    {
        var created = await Double.CreateBranchAsync("doomed");
        Assert.True(created.Ready);
        var password = await CreatePasswordAsync("doomed", "doomed-pw", "writer", ttl: 600);
        Assert.Null(await TryLoginAsync(ConnectionString(password)));
        var bundle = await File.ReadAllTextAsync(Double.CaCertificateFile);
        Assert.True(CountCertificates(bundle) >= 2, bundle);

        using var delete = await Client.DeleteAsync($"{Branches}/doomed");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var get = await Client.GetAsync($"{Branches}/doomed");
        await AssertErrorAsync(get, HttpStatusCode.NotFound, "not_found");
        Assert.Null(Double.FindBranch("doomed"));
        Assert.NotNull(await TryLoginAsync(ConnectionString(password)));
        Assert.True(Double.Passwords.Single(p => p.Name == "doomed-pw").IsDeleted);
        Assert.Equal(CountCertificates(bundle) - 1, CountCertificates(await File.ReadAllTextAsync(Double.CaCertificateFile)));
        Assert.Single(Directory.GetDirectories(Double.WorkDirectory), d => Path.GetFileName(d).StartsWith("main-", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories(Double.WorkDirectory), d => Path.GetFileName(d).StartsWith("doomed-", StringComparison.Ordinal));

        using var unknown = await Client.DeleteAsync($"{Branches}/doomed");
        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Bad_names_duplicates_unknown_parents_bad_roles_and_deleting_production_are_unprocessable()
    {
        foreach (var name in new[] { "Feature", "feature_x", "-feature", "", new string('a', 64) })
        {
            using var response = await Client.PostAsJsonAsync(Branches, new { name, parent_branch = "main" });
            await AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "unprocessable");
        }

        using var duplicate = await Client.PostAsJsonAsync(Branches, new { name = "main", parent_branch = "main" });
        await AssertErrorAsync(duplicate, HttpStatusCode.UnprocessableEntity, "unprocessable");
        using var noParent = await Client.PostAsJsonAsync(Branches, new { name = "orphan" });
        await AssertErrorAsync(noParent, HttpStatusCode.UnprocessableEntity, "unprocessable");
        using var unknownParent = await Client.PostAsJsonAsync(Branches, new { name = "orphan", parent_branch = "nope" });
        await AssertErrorAsync(unknownParent, HttpStatusCode.UnprocessableEntity, "unprocessable");
        Assert.Null(Double.FindBranch("orphan"));

        using var production = await Client.DeleteAsync($"{Branches}/main");
        await AssertErrorAsync(production, HttpStatusCode.UnprocessableEntity, "unprocessable");
        Assert.NotNull(Double.FindBranch("main"));

        using var role = await Client.PostAsJsonAsync($"{Branches}/main/passwords", new { name = "x", role = "owner" });
        await AssertErrorAsync(role, HttpStatusCode.UnprocessableEntity, "unprocessable");
        using var unknownBranch = await Client.PostAsJsonAsync($"{Branches}/nope/passwords", new { name = "x", role = "admin" });
        await AssertErrorAsync(unknownBranch, HttpStatusCode.NotFound, "not_found");
        using var missing = await Client.GetAsync($"{Branches}/nope");
        await AssertErrorAsync(missing, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Lists_are_paged_and_organization_and_database_answer_like_any_unknown_one_when_wrong()
    {
        await Double.CreateBranchAsync("paging-b1");
        using var first = await Client.GetAsync($"{Branches}?page=1&per_page=1");
        var page1 = await ReadAsync(first);
        Assert.Equal(1, page1.GetProperty("current_page").GetInt32());
        Assert.Equal(2, page1.GetProperty("next_page").GetInt32());
        Assert.Equal(JsonValueKind.Null, page1.GetProperty("prev_page").ValueKind);
        Assert.Equal("main", Assert.Single(page1.GetProperty("data").EnumerateArray()).GetProperty("name").GetString());

        var count = Double.Branches.Count;
        using var last = await Client.GetAsync($"{Branches}?page={count}&per_page=1");
        var lastPage = await ReadAsync(last);
        Assert.Equal(JsonValueKind.Null, lastPage.GetProperty("next_page").ValueKind);
        Assert.Equal(count - 1, lastPage.GetProperty("prev_page").GetInt32());

        using var organization = await Client.GetAsync($"organizations/{Double.Organization}");
        Assert.Equal(Double.Organization, (await ReadAsync(organization)).GetProperty("name").GetString());
        using var database = await Client.GetAsync(Double.DatabasePath);
        Assert.Equal(Double.Database, (await ReadAsync(database)).GetProperty("name").GetString());

        // One body for every kind of "not there": the client has to ask to find out which.
        using var wrongOrg = await Client.GetAsync($"organizations/other-org/databases/{Double.Database}/branches/main");
        using var wrongDb = await Client.GetAsync($"organizations/{Double.Organization}/databases/other-db/branches/main");
        Assert.Equal(await wrongOrg.Content.ReadAsStringAsync(), await wrongDb.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_lost_response_is_served_but_never_answered()
    {
        Double.Faults.Enqueue("POST", "/branches/main/passwords$", FaultResponse.LostResponse());

        await Assert.ThrowsAsync<HttpRequestException>(() => Client.PostAsJsonAsync($"{Branches}/main/passwords", new { name = "lost-one", role = "reader", ttl = 60 }));

        var record = Assert.Single(Double.Requests.Matching("POST", "/branches/main/passwords$"), r => r.Lost);
        Assert.Equal(201, record.StatusCode);
        Assert.Single(Double.LivePasswords, p => p.Name == "lost-one");
    }

    [Fact]
    public async Task A_queued_fault_answers_the_matching_requests_and_then_the_api_answers_again()
    {
        Double.Faults.Enqueue("GET", "/branches/main$", FaultResponse.RateLimited(1));
        Double.Faults.Enqueue("POST", "/passwords$", 503, times: 2);
        Double.Faults.Enqueue("*", "/branches/never-asked$", FaultResponse.Of(403, message: "No access."));

        using var limited = await Client.GetAsync($"{Branches}/main");
        await AssertErrorAsync(limited, HttpStatusCode.TooManyRequests, "too_many_requests");
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        using var served = await Client.GetAsync($"{Branches}/main");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        for (var i = 0; i < 2; i++)
        {
            using var unavailable = await Client.PostAsJsonAsync($"{Branches}/main/passwords", new { name = "faulted", role = "admin" });
            await AssertErrorAsync(unavailable, HttpStatusCode.ServiceUnavailable, "internal_server_error");
        }

        Assert.Equal(1, Double.Faults.Pending);
        Double.Faults.Clear();
        Assert.Equal(0, Double.Faults.Pending);

        var injected = Double.Requests.Snapshot().Where(r => r.Injected).ToList();
        Assert.Contains(injected, r => r.Method == "GET" && r.StatusCode == 429 && r.Path == $"/{Double.DatabasePath}/branches/main");
        Assert.Equal(2, injected.Count(r => r.Method == "POST" && r.StatusCode == 503));
        Assert.DoesNotContain(Double.Passwords, p => p.Name == "faulted");
    }

    private async Task<JsonElement> CreatePasswordAsync(string branch, string name, string role, int ttl)
    {
        using var response = await Client.PostAsJsonAsync($"{Branches}/{branch}/passwords", new { name, role, ttl });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var password = await ReadAsync(response);
        Assert.Equal(name, password.GetProperty("name").GetString());
        Assert.Equal(role, password.GetProperty("role").GetString());
        return password;
    }

    private MySqlConnectionStringBuilder ConnectionString(JsonElement password) =>
        Double.CreateClientConnectionString(
            password.GetProperty("access_host_url").GetString()!,
            password.GetProperty("username").GetString()!,
            password.GetProperty("plain_text").GetString()!);

    /// <summary>Null when a login (and a query) works; the server's refusal otherwise.</summary>
    private static async Task<MySqlException?> TryLoginAsync(MySqlConnectionStringBuilder connectionString)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString.ConnectionString);
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
            return null;
        }
        catch (MySqlException e)
        {
            return e;
        }
    }

    private static async Task<MySqlException> WaitForRefusalAsync(MySqlConnectionStringBuilder connectionString)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await TryLoginAsync(connectionString) is { } refused)
            {
                return refused;
            }

            Assert.True(clock.Elapsed < LockTimeout, $"Logins still worked {LockTimeout.TotalSeconds:0} s after the password expired.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The password once the double has recorded its lock: a client can see the refusal a moment before the
    /// double's own statement returns and it notes the time.
    /// </summary>
    private async Task<PasswordInfo> LockedPasswordAsync(Func<PasswordInfo, bool> which)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var info = Double.Passwords.Single(which);
            if (info.Expired)
            {
                return info;
            }

            Assert.True(clock.Elapsed < LockTimeout, $"The double never recorded locking {info}.");
            await Task.Delay(20);
        }
    }

    private static async Task WaitUntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static async Task<T> ScalarAsync<T>(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        Assert.Equal(code, document.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("message").GetString()));
    }

    private static int CountCertificates(string pem) => pem.Split("-----BEGIN CERTIFICATE-----").Length - 1;
}
