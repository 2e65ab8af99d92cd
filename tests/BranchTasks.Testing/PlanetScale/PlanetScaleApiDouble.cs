using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// A stand-in for PlanetScale's REST API (<c>https://api.planetscale.com/v1</c>) on loopback HTTP, for one
/// organization and one database. Each branch is its own MariaDB server with TLS (started by the product's
/// <c>local</c> provider code), holding one database named like the PlanetScale database, so the passwords
/// it issues are real database users a client logs in with at the password's <c>access_host_url</c>. Shapes follow
/// planetscale-go and the API docs: branches carry <c>state</c> and <c>mysql_address</c> (no address to log in at),
/// lists are paged, and an unknown organization, database or missing access all answer the same <c>not_found</c>.
/// </summary>
public sealed class PlanetScaleApiDouble : IAsyncDisposable
{
    private readonly DoubleDatabase _database;
    private readonly ApiProjection _projection;
    private WebApplication? _app;
    private string? _apiUrl;
    private int _disposed;

    public PlanetScaleApiDouble(string? organization = null, string? database = null, string? tokenId = null, string? token = null)
    {
        Organization = organization ?? "org-" + RandomIds.Hex(8);
        Database = database ?? "db-" + RandomIds.Hex(8);
        TokenId = tokenId ?? RandomIds.Id();
        Token = token ?? RandomIds.Secret("pscale_tkn_");
        WorkDirectory = Path.Combine(Path.GetTempPath(), "bt-psd-" + RandomIds.Hex(10));
        _database = new DoubleDatabase(Database, WorkDirectory);
        _projection = new ApiProjection(Organization, Database, new ActorJson(TokenId, "ServiceToken", $"Service token {TokenId}"));
    }

    /// <summary>Creates a double and starts it (its <c>main</c> branch server up, the API listening).</summary>
    public static async Task<PlanetScaleApiDouble> StartNewAsync(
        string? organization = null, string? database = null, string? tokenId = null, string? token = null, CancellationToken cancellationToken = default)
    {
        var apiDouble = new PlanetScaleApiDouble(organization, database, tokenId, token);
        await apiDouble.StartAsync(cancellationToken).ConfigureAwait(false);
        return apiDouble;
    }

    public string Organization { get; }

    /// <summary>The PlanetScale database name, also the MySQL database name on every branch server.</summary>
    public string Database { get; }

    public string TokenId { get; }

    public string Token { get; }

    /// <summary>The value of the <c>Authorization</c> header every request must carry: <c>&lt;id&gt;:&lt;token&gt;</c>.</summary>
    public string AuthorizationHeader => $"{TokenId}:{Token}";

    /// <summary>The production branch the double starts with (ready, not deletable).</summary>
    public string ProductionBranch => DoubleDatabase.ProductionBranch;

    /// <summary>
    /// How long after its creation a branch made through the API stays <c>"ready": false</c> at least (it also
    /// waits for its server and schema copy). Read when a branch is created. Default 1.5 s.
    /// </summary>
    public TimeSpan ReadyAfter { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The API's base address, like <c>http://127.0.0.1:5123/v1</c> (no trailing slash).</summary>
    public string ApiUrl => _apiUrl ?? throw new InvalidOperationException("The PlanetScale double has not been started.");

    /// <summary><c>organizations/&lt;org&gt;/databases/&lt;db&gt;</c>, relative to <see cref="ApiUrl"/>.</summary>
    public string DatabasePath => $"organizations/{Organization}/databases/{Database}";

    /// <summary>
    /// A PEM file with the certificate of every branch server, for a client's extra CA file. Rewritten (in one
    /// rename) when a branch's server has started, so it holds a branch's certificate by the time the branch is ready,
    /// and when a branch is deleted.
    /// </summary>
    public string CaCertificateFile => _database.CaCertificateFile;

    /// <summary>The temporary folder holding every branch server's files; deleted on dispose.</summary>
    public string WorkDirectory { get; }

    /// <summary>
    /// The most items a list page holds, whatever <c>per_page</c> asks for (PlanetScale allows up to 100), so a
    /// test can make a short list span pages. Lists are ordered by creation.
    /// </summary>
    public int MaxPerPage { get; set; } = 100;

    public FaultInjection Faults { get; } = new();

    public RequestLog Requests { get; } = new();

    public IReadOnlyList<BranchInfo> Branches
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            return [.. _database.Branches.Select(b => b.ToInfo(now))];
        }
    }

    /// <summary>Every password ever created, deleted ones included (<see cref="PasswordInfo.DeletedAt"/>).</summary>
    public IReadOnlyList<PasswordInfo> Passwords => [.. _database.AllPasswords.Select(p => p.ToInfo())];

    /// <summary>Passwords neither deleted nor expired.</summary>
    public IReadOnlyList<PasswordInfo> LivePasswords => [.. Passwords.Where(p => p.IsLive)];

    public BranchInfo? FindBranch(string name) => _database.Find(name)?.ToInfo(DateTimeOffset.UtcNow);

    /// <summary>Starts the <c>main</c> branch's server and the HTTP listener.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The PlanetScale double is already started.");
        }

        try
        {
            _app = BuildApp();
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _apiUrl = $"http://127.0.0.1:{new Uri(address).Port}/v1";
            await _database.StartProductionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Creates a branch directly (not through the API, nothing logged), copying <paramref name="parent"/>'s
    /// schema, and returns once it is ready, ignoring <see cref="ReadyAfter"/>: for tests that need a branch
    /// to exist before the product runs.
    /// </summary>
    public async Task<BranchInfo> CreateBranchAsync(string name, string? parent = null, CancellationToken cancellationToken = default)
    {
        var branch = _database.CreateBranch(name, parent ?? ProductionBranch, TimeSpan.Zero);
        await branch.Provisioned.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return branch.ToInfo(DateTimeOffset.UtcNow);
    }

    /// <summary>Waits until the branch shows <c>"ready": true</c>; throws the reason if its server or schema copy failed.</summary>
    public async Task<BranchInfo> WaitUntilReadyAsync(string branch, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var found = _database.Find(branch) ?? throw new InvalidOperationException($"The double has no branch {branch}.");
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        await found.Provisioned.Task.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        var wait = found.ReadyAt - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }

        return found.ToInfo(DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// An open admin connection to the branch's database on its own server (waiting for the server when the
    /// branch was just created), for seeding and inspecting data. The caller disposes it.
    /// </summary>
    public async Task<MySqlConnection> OpenBranchAdminAsync(string branch, CancellationToken cancellationToken = default)
    {
        var found = _database.Find(branch) ?? throw new InvalidOperationException($"The double has no branch {branch}.");
        await found.ServerStarted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await found.Server.OpenAdminAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A connection string the way a PlanetScale client logs in: to <paramref name="accessHostUrl"/> (<c>host:port</c>),
    /// the PlanetScale database, TLS verified fully (chain and host name) against <see cref="CaCertificateFile"/>.
    /// </summary>
    public MySqlConnectionStringBuilder CreateClientConnectionString(string accessHostUrl, string username, string password)
    {
        var separator = accessHostUrl.LastIndexOf(':');
        return new MySqlConnectionStringBuilder
        {
            Server = accessHostUrl[..separator],
            Port = uint.Parse(accessHostUrl[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture),
            UserID = username,
            Password = password,
            Database = Database,
            SslMode = MySqlSslMode.VerifyFull,
            SslCa = CaCertificateFile,
            Pooling = false,
            ConnectionTimeout = 5,
        };
    }

    /// <summary>An <see cref="HttpClient"/> with <see cref="ApiUrl"/><c>/</c> as base address and the service token set.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(ApiUrl + "/") };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", AuthorizationHeader);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Stops the API, every branch server, and deletes <see cref="WorkDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_app is not null)
            {
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _app.StopAsync(stopping.Token).ConfigureAwait(false);
                await _app.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }
    }

    private WebApplication BuildApp()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PlanetScaleApiDouble).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();

        // Port 0: the OS picks a free port at bind time, so two doubles never race for one.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Use(HandleAsync);

        // PlanetScale answers an unknown organization, an unknown database and a token without access with one
        // and the same not_found body, so a client cannot tell them apart from the answer alone.
        var organization = app.MapGroup("/v1/organizations/{org}").AddEndpointFilter(async (context, next) =>
        {
            if (!string.Equals(context.HttpContext.GetRouteValue("org") as string, Organization, StringComparison.Ordinal))
            {
                throw ApiException.NotFound(NotFoundMessage);
            }

            return await next(context).ConfigureAwait(false);
        });
        organization.MapGet("/", () => Json(200, _projection.Organization()));

        var api = organization.MapGroup("/databases/{db}").AddEndpointFilter(async (context, next) =>
        {
            if (!string.Equals(context.HttpContext.GetRouteValue("db") as string, Database, StringComparison.Ordinal))
            {
                throw ApiException.NotFound(NotFoundMessage);
            }

            return await next(context).ConfigureAwait(false);
        });

        api.MapGet("/", () => Json(200, _projection.Database()));
        api.MapGet("/branches", (HttpRequest request) => Json(200, ListJson<BranchJson>.Page([.. _database.Branches.Select(_projection.Branch)], request, MaxPerPage)));
        api.MapGet("/branches/{branch}", (string branch) => Json(200, _projection.Branch(_database.Require(branch))));
        api.MapPost("/branches", async (HttpRequest request) =>
        {
            var body = await ApiJson.ReadAsync<CreateBranchBody>(request).ConfigureAwait(false);
            return Json(201, _projection.Branch(_database.CreateBranch(body.Name, body.ParentBranch, ReadyAfter)));
        });
        api.MapDelete("/branches/{branch}", async (string branch) =>
        {
            await _database.DeleteBranchAsync(branch).ConfigureAwait(false);
            return Json(204, null);
        });

        api.MapPost("/branches/{branch}/passwords", async (string branch, HttpRequest request) =>
        {
            var body = await ApiJson.ReadAsync<CreatePasswordBody>(request).ConfigureAwait(false);

            // Not the request's token: a client that gives up must not leave a user behind with no record of it.
            var password = await _database.CreatePasswordAsync(branch, body, CancellationToken.None).ConfigureAwait(false);
            return Json(201, _projection.Password(password, withPlainText: true));
        });
        api.MapGet("/branches/{branch}/passwords", (string branch, HttpRequest request) =>
            Json(200, ListJson<PasswordJson>.Page([.. _database.ListPasswords(branch).Select(p => _projection.Password(p, withPlainText: false))], request, MaxPerPage)));
        api.MapGet("/branches/{branch}/passwords/{id}", (string branch, string id) =>
            Json(200, _projection.Password(_database.RequirePassword(branch, id), withPlainText: false)));
        api.MapDelete("/branches/{branch}/passwords/{id}", async (string branch, string id) =>
        {
            await _database.DeletePasswordAsync(branch, id).ConfigureAwait(false);
            return Json(204, null);
        });
        api.MapPost("/branches/{branch}/passwords/{id}/renew", async (string branch, string id) =>
            Json(200, _projection.Password(await _database.RenewPasswordAsync(branch, id).ConfigureAwait(false), withPlainText: false)));
        return app;
    }

    /// <summary>Every request: logged, answered by a queued fault if one matches, authenticated, and its errors written as PlanetScale writes them.</summary>
    private async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        var arrived = DateTimeOffset.UtcNow;
        var path = context.Request.Path.Value ?? "/";
        var relative = path.StartsWith("/v1/", StringComparison.Ordinal) ? path[3..] : path;
        var method = context.Request.Method;
        var injected = false;

        // Logged as the response starts, so a client holding its answer always finds the request in the log.
        var lost = false;
        context.Response.OnStarting(() =>
        {
            if (lost)
            {
                return Task.CompletedTask;
            }

            Requests.Add(new ApiRequestRecord(method, relative, context.Response.StatusCode, arrived, injected));
            return Task.CompletedTask;
        });

        try
        {
            var fault = Faults.TryTake(method, relative);
            if (fault is { LoseResponse: true })
            {
                lost = true;
                await ServeAndLoseResponseAsync(context, next, arrived, method, relative).ConfigureAwait(false);
                return;
            }

            if (fault is not null)
            {
                injected = true;
                foreach (var (name, value) in fault.Headers)
                {
                    context.Response.Headers[name] = value;
                }

                await ApiJson.WriteAsync(context.Response, fault.StatusCode, new ErrorJson(fault.Code, fault.Message)).ConfigureAwait(false);
                return;
            }

            if (!string.Equals(context.Request.Headers.Authorization.ToString(), AuthorizationHeader, StringComparison.Ordinal))
            {
                throw new ApiException(401, "unauthorized", "The service token is missing or invalid: send 'Authorization: <service token id>:<service token>'.");
            }

            await next(context).ConfigureAwait(false);

            // Routing's own 404 (no route) and 405 (wrong method) come without a body; every handler's error is an ApiException.
            if (!context.Response.HasStarted && context.Response.StatusCode is 404 or 405)
            {
                var status = context.Response.StatusCode;
                await ApiJson.WriteAsync(context.Response, status, new ErrorJson(ApiException.CodeFor(status), $"No such endpoint: {method} {path}.")).ConfigureAwait(false);
            }
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ApiJson.WriteAsync(context.Response, e.StatusCode, new ErrorJson(e.Code, e.Message)).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await ApiJson.WriteAsync(context.Response, 500, new ErrorJson("internal_server_error", $"The double failed: {e.GetType().Name}: {e.Message}")).ConfigureAwait(false);
        }
    }

    /// <summary>Serves the request in full, then drops the connection instead of answering, as a lost response looks to a client.</summary>
    private async Task ServeAndLoseResponseAsync(HttpContext context, RequestDelegate next, DateTimeOffset arrived, string method, string relative)
    {
        var body = context.Response.Body;
        using var swallowed = new MemoryStream();
        context.Response.Body = swallowed;
        try
        {
            if (string.Equals(context.Request.Headers.Authorization.ToString(), AuthorizationHeader, StringComparison.Ordinal))
            {
                try
                {
                    await next(context).ConfigureAwait(false);
                }
                catch (ApiException)
                {
                    // Lost like any other answer.
                }
            }
        }
        finally
        {
            context.Response.Body = body;
        }

        Requests.Add(new ApiRequestRecord(method, relative, context.Response.StatusCode, arrived, Injected: true) { Lost = true });
        context.Abort();
    }

    private const string NotFoundMessage = "Not Found";

    private static ApiResult Json(int statusCode, object? payload) => new(statusCode, payload);

    private sealed class ApiResult(int statusCode, object? payload) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => ApiJson.WriteAsync(httpContext.Response, statusCode, payload);
    }
}
