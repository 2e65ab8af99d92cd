using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// PlanetScale's public REST API, as far as BranchTasks needs it: branches and branch passwords. Turns every
/// HTTP failure into one clear message, retries what is safe to retry (<see cref="PlanetScaleHttpPolicy"/>),
/// finds out what became of a create whose answer was lost, and never puts the token anywhere but the request header.
/// </summary>
public sealed class PlanetScaleApiClient
{
    public const string TokenIdSecretKey = "BranchTasks:PlanetScale:ServiceTokenId";
    public const string TokenSecretKey = "BranchTasks:PlanetScale:ServiceToken";

    private const int PageSize = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = PlanetScaleJsonContext.Default };

    private readonly HttpClient _http;
    private readonly string _authorization;
    private readonly string _configFile;

    private PlanetScaleApiClient(HttpClient http, string baseUrl, string authorization, PlanetScaleSettings settings, string configFile)
    {
        _http = http;
        BaseUrl = baseUrl;
        _authorization = authorization;
        Settings = settings;
        _configFile = configFile;
    }

    /// <summary>The versioned API root requests go to, e.g. <c>https://api.planetscale.com/v1</c>.</summary>
    public string BaseUrl { get; }

    public PlanetScaleSettings Settings { get; }

    /// <summary>Base delay between retries of 5xx and network failures; doubles each time.</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromMilliseconds(300);

    /// <summary><see cref="DefaultRetryDelay"/>, unless the factory was given a shorter one (tests against the API double).</summary>
    internal TimeSpan RetryDelay { get; private init; } = DefaultRetryDelay;

    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static PlanetScaleApiClient Create(HttpClient http, BranchTasksConfig config, ProviderCredentials credentials) =>
        Create(http, config, credentials, DefaultRetryDelay);

    internal static PlanetScaleApiClient Create(HttpClient http, BranchTasksConfig config, ProviderCredentials credentials, TimeSpan retryDelay)
    {
        var settings = config.PlanetScale!;
        var id = credentials.Get(CredentialEnvironment.PlanetScaleTokenId, TokenIdSecretKey);
        var token = credentials.Get(CredentialEnvironment.PlanetScaleToken, TokenSecretKey);
        if (id is null || token is null)
        {
            var missing = id is null ? CredentialEnvironment.PlanetScaleTokenId : CredentialEnvironment.PlanetScaleToken;
            throw new BranchTasksException(
                ErrorCodes.ProviderCredentialsMissing,
                $"The planetscale provider needs a service token for organization '{settings.Organization}', and {missing} is not set. " +
                $"Create a service token with access to database '{settings.Database}' (PlanetScale: organization settings, Service tokens), then set " +
                $"{CredentialEnvironment.PlanetScaleTokenId} and {CredentialEnvironment.PlanetScaleToken} in the environment" +
                (credentials.UserSecretsId is null ? "" : $", or store them in user secrets {credentials.UserSecretsId} as {TokenIdSecretKey} and {TokenSecretKey}") +
                $". Never put them in {Path.GetFileName(config.FilePath)}.");
        }

        // The user's setting only, checked before the token goes anywhere.
        var baseUrl = VersionedRoot(CredentialBinding.PlanetScaleApiUrl(credentials));
        return new PlanetScaleApiClient(http, baseUrl, $"{id}:{token}", settings, config.FilePath) { RetryDelay = retryDelay };
    }

    /// <summary>
    /// pscale and planetscale-go take the API address without the version (<c>https://api.planetscale.com/</c>) and
    /// add <c>v1/</c> to every path; a value that already ends in <c>/v1</c> is taken as it is.
    /// </summary>
    internal static string VersionedRoot(string apiUrl)
    {
        var root = apiUrl.TrimEnd('/');
        return root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? root : root + "/v1";
    }

    private string OrganizationPath => $"organizations/{Uri.EscapeDataString(Settings.Organization)}";

    private string DatabasePath => $"{OrganizationPath}/databases/{Uri.EscapeDataString(Settings.Database)}";

    private string BranchPath(string branch) => $"{DatabasePath}/branches/{Uri.EscapeDataString(branch)}";

    public Task<IReadOnlyList<PlanetScaleBranch>> ListBranchesAsync(CancellationToken cancellationToken) =>
        ListAsync<PlanetScaleBranch>($"{DatabasePath}/branches", "list the branches", cancellationToken);

    /// <summary>The branch, or null when the database has no branch of that name.</summary>
    public Task<PlanetScaleBranch?> GetBranchAsync(string branch, CancellationToken cancellationToken) =>
        SendAsync<PlanetScaleBranch>(HttpMethod.Get, BranchPath(branch), null, $"read branch '{branch}'", cancellationToken, notFoundIsNull: true);

    /// <summary>Sends the create once; a lost answer is a failure <see cref="PlanetScaleOutcome.IsUnknown"/> says so of.</summary>
    public async Task<PlanetScaleBranch> CreateBranchAsync(string branch, string parent, CancellationToken cancellationToken) =>
        (await SendAsync<PlanetScaleBranch>(HttpMethod.Post, $"{DatabasePath}/branches", new CreateBranchBody { Name = branch, ParentBranch = parent }, $"create branch '{branch}' from '{parent}'", cancellationToken).ConfigureAwait(false))!;

    /// <summary>Deletes the branch; false when it was already gone.</summary>
    public async Task<bool> DeleteBranchAsync(string branch, CancellationToken cancellationToken) =>
        await SendAsync<object>(HttpMethod.Delete, BranchPath(branch), null, $"delete branch '{branch}'", cancellationToken, notFoundIsNull: true, emptyIsFound: true).ConfigureAwait(false) is not null;

    /// <summary>
    /// Creates a password named <paramref name="name"/>. When the answer is lost, the password may exist without
    /// anyone knowing its secret: it is looked up by name and deleted, then one more is created (never blindly twice).
    /// </summary>
    public async Task<PlanetScalePassword> CreatePasswordAsync(string branch, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await CreatePasswordOnceAsync(branch, name, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException e) when (PlanetScaleOutcome.IsUnknown(e))
        {
            await DeletePasswordNamedAsync(branch, name, cancellationToken).ConfigureAwait(false);
        }

        var second = PlanetScalePasswordNames.New();
        try
        {
            return await CreatePasswordOnceAsync(branch, second, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException e) when (PlanetScaleOutcome.IsUnknown(e))
        {
            await DeletePasswordNamedAsync(branch, second, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Extends the password's expiry; null when PlanetScale no longer knows it.</summary>
    public Task<PlanetScalePassword?> RenewPasswordAsync(string branch, string id, CancellationToken cancellationToken) =>
        SendAsync<PlanetScalePassword>(HttpMethod.Post, $"{BranchPath(branch)}/passwords/{Uri.EscapeDataString(id)}/renew", null, $"renew a password of branch '{branch}'", cancellationToken, notFoundIsNull: true);

    /// <summary>Deletes the password; false when it was already gone.</summary>
    public async Task<bool> DeletePasswordAsync(string branch, string id, CancellationToken cancellationToken) =>
        await SendAsync<object>(HttpMethod.Delete, $"{BranchPath(branch)}/passwords/{Uri.EscapeDataString(id)}", null, $"delete a password of branch '{branch}'", cancellationToken, notFoundIsNull: true, emptyIsFound: true).ConfigureAwait(false) is not null;

    public Task<IReadOnlyList<PlanetScalePassword>> ListPasswordsAsync(string branch, CancellationToken cancellationToken) =>
        ListAsync<PlanetScalePassword>($"{BranchPath(branch)}/passwords", $"list the passwords of branch '{branch}'", cancellationToken);

    private async Task<PlanetScalePassword> CreatePasswordOnceAsync(string branch, string name, CancellationToken cancellationToken)
    {
        var body = new CreatePasswordBody { Name = name, Role = Settings.PasswordRole, Ttl = (int)Settings.PasswordTtl.TotalSeconds };
        var password = await SendAsync<PlanetScalePassword>(HttpMethod.Post, $"{BranchPath(branch)}/passwords", body, $"create a password for branch '{branch}'", cancellationToken).ConfigureAwait(false);
        return password is { PlainText.Length: > 0 }
            ? password
            : throw new BranchTasksException(ErrorCodes.ProviderRejected, $"PlanetScale created a password for branch '{branch}' but sent no plain_text; BranchTasks cannot log in with it.");
    }

    private async Task DeletePasswordNamedAsync(string branch, string name, CancellationToken cancellationToken)
    {
        foreach (var password in await ListPasswordsAsync(branch, cancellationToken).ConfigureAwait(false))
        {
            if (password.Name == name)
            {
                await DeletePasswordAsync(branch, password.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every page of a list (<c>next_page</c> until there is none).</summary>
    private async Task<IReadOnlyList<T>> ListAsync<T>(string path, string action, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        int? page = 1;
        while (page is not null)
        {
            var list = await SendAsync<PlanetScaleList<T>>(HttpMethod.Get, $"{path}?page={page}&per_page={PageSize}", null, action, cancellationToken).ConfigureAwait(false);
            items.AddRange(list!.Data);
            page = list.NextPage is { } next && next > page ? next : null;
        }

        return items;
    }

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, string action, CancellationToken cancellationToken, bool notFoundIsNull = false, bool emptyIsFound = false, bool resolveNotFound = true)
        where T : class
    {
        var url = $"{BaseUrl}/{path}";
        var attempts = 0;
        var pipeline = PlanetScaleHttpPolicy.Create(method, RetryDelay, cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                using var request = new HttpRequestMessage(method, url);
                request.Headers.TryAddWithoutValidation("Authorization", _authorization);
                request.Headers.Accept.ParseAdd("application/json");
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, Json.GetTypeInfo(body.GetType()));
                }

                return await _http.SendAsync(request, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var message = $"Could not reach PlanetScale's API at {BaseUrl} to {action} after {attempts} attempt{(attempts == 1 ? "" : "s")}: {e.Message}. Check the network (and {CredentialEnvironment.PlanetScaleApiUrl}), then try again.";
            throw method == HttpMethod.Post && e is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                ? PlanetScaleOutcome.Unknown(new BranchTasksException(ErrorCodes.ProviderUnavailable, message, e))
                : new BranchTasksException(ErrorCodes.ProviderUnavailable, message, e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
                {
                    return emptyIsFound ? (T)(object)true : null;
                }

                try
                {
                    return await response.Content.ReadFromJsonAsync(Daemon.DaemonJson.Info<T>(Json), cancellationToken).ConfigureAwait(false)
                        ?? throw new JsonException("empty body");
                }
                catch (JsonException e)
                {
                    throw new BranchTasksException(ErrorCodes.ProviderRejected, $"PlanetScale's API at {BaseUrl} answered the request to {action} with something that is not the expected JSON ({e.Message}). Is {CredentialEnvironment.PlanetScaleApiUrl} right?", e);
                }
                catch (HttpRequestException e) when (method == HttpMethod.Post)
                {
                    throw PlanetScaleOutcome.Unknown(new BranchTasksException(ErrorCodes.ProviderUnavailable, $"PlanetScale's answer to the request to {action} was cut off ({e.Message}).", e));
                }
            }

            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                // PlanetScale answers an unknown organization, an unknown database and a token without access alike.
                if (resolveNotFound)
                {
                    await ThrowIfDatabaseUnknownAsync(action, error, cancellationToken).ConfigureAwait(false);
                }

                if (notFoundIsNull)
                {
                    return null;
                }
            }

            var failure = Failure(response.StatusCode, error, action, attempts);
            throw method == HttpMethod.Post && (int)response.StatusCode >= 500
                ? PlanetScaleOutcome.Unknown(failure)
                : failure;
        }
    }

    private volatile bool _databaseFound;

    /// <summary>Tells a 404 about the organization or database (BT0703) from one about what is inside it.</summary>
    private async Task ThrowIfDatabaseUnknownAsync(string action, string error, CancellationToken cancellationToken)
    {
        if (_databaseFound)
        {
            return;
        }

        if (!await ExistsAsync(OrganizationPath, cancellationToken).ConfigureAwait(false))
        {
            throw new BranchTasksException(ErrorCodes.ProviderNotFound,
                $"PlanetScale has no organization '{Settings.Organization}' that the service token can see (HTTP 404 when asked to {action}: {error}). " +
                $"Check \"organization\" in the \"planetscale\" settings of {_configFile} (the name in PlanetScale's URLs, app.planetscale.com/<organization>), and that the token ({CredentialEnvironment.PlanetScaleTokenId}) belongs to that organization.");
        }

        if (!await ExistsAsync(DatabasePath, cancellationToken).ConfigureAwait(false))
        {
            throw new BranchTasksException(ErrorCodes.ProviderNotFound,
                $"PlanetScale organization '{Settings.Organization}' has no database '{Settings.Database}' that the service token can see (HTTP 404 when asked to {action}: {error}). " +
                $"Check \"database\" in the \"planetscale\" settings of {_configFile}, and grant the service token access to that database (PlanetScale: organization settings, Service tokens).");
        }

        _databaseFound = true;
    }

    private async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken)
    {
        return await SendAsync<object>(HttpMethod.Get, path, null, "look up " + path, cancellationToken, notFoundIsNull: true, emptyIsFound: true, resolveNotFound: false).ConfigureAwait(false) is not null;
    }

    private BranchTasksException Failure(HttpStatusCode status, string error, string action, int attempts)
    {
        var code = (int)status;
        return status switch
        {
            HttpStatusCode.Unauthorized => new(ErrorCodes.ProviderLoginFailed,
                $"PlanetScale rejected the service token (HTTP 401: {error}) when asked to {action}. Check {CredentialEnvironment.PlanetScaleTokenId} and {CredentialEnvironment.PlanetScaleToken}: the token may be wrong, revoked or from another organization."),
            HttpStatusCode.Forbidden => new(ErrorCodes.ProviderLoginFailed,
                $"The PlanetScale service token may not {action} on database '{Settings.Database}' (HTTP 403: {error}). Grant the token that permission (PlanetScale: organization settings, Service tokens)."),
            HttpStatusCode.NotFound => new(ErrorCodes.ProviderNotFound,
                $"PlanetScale found nothing when asked to {action} (HTTP 404: {error}). Check \"organization\" ('{Settings.Organization}') and \"database\" ('{Settings.Database}') in {_configFile}, and that the service token has access to that database."),
            HttpStatusCode.UnprocessableEntity => new(ErrorCodes.ProviderRejected,
                $"PlanetScale refused to {action} (HTTP 422: {error})."),
            HttpStatusCode.TooManyRequests => new(ErrorCodes.ProviderUnavailable,
                $"PlanetScale kept rate-limiting the request to {action} (HTTP 429: {error}) after {attempts} attempts. Wait a minute and try again."),
            _ when code >= 500 => new(ErrorCodes.ProviderUnavailable,
                $"PlanetScale's API failed to {action} (HTTP {code}: {error}){(attempts > 1 ? $" {attempts} times in a row" : "")}. It may be having an outage; try again later."),
            _ => new(ErrorCodes.ProviderRejected,
                $"PlanetScale refused to {action} (HTTP {code}: {error})."),
        };
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return response.ReasonPhrase ?? "no details";
        }

        try
        {
            var error = JsonSerializer.Deserialize(text, Daemon.DaemonJson.Info<PlanetScaleError>(Json));
            if (!string.IsNullOrWhiteSpace(error?.Message))
            {
                return error.Message;
            }
        }
        catch (JsonException)
        {
            // Not PlanetScale's error shape (a proxy's HTML page, say): show a little of it instead.
        }

        text = text.Trim();
        return text.Length == 0 ? response.ReasonPhrase ?? "no details" : text.Length <= 200 ? text : text[..200] + "...";
    }
}

/// <summary>Marks the failure of a create that was sent but whose answer never arrived (or was a 5xx): it may or may not have happened.</summary>
public static class PlanetScaleOutcome
{
    private const string Key = "BranchTasks.PlanetScale.OutcomeUnknown";

    public static BranchTasksException Unknown(BranchTasksException failure)
    {
        failure.Data[Key] = true;
        return failure;
    }

    public static bool IsUnknown(BranchTasksException failure) => failure.Data.Contains(Key);
}
