using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// PlanetScale's public REST API, as far as BranchTasks needs it: branches and branch passwords. Turns every
/// HTTP failure into one clear message, retries what is worth retrying (429 after Retry-After, 5xx and
/// network errors a bounded number of times) and never puts the token anywhere but the request header.
/// </summary>
public sealed class PlanetScaleApiClient
{
    public const string TokenIdSecretKey = "BranchTasks:PlanetScale:ServiceTokenId";
    public const string TokenSecretKey = "BranchTasks:PlanetScale:ServiceToken";

    private const int MaxAttempts = 5;
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

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

    public string BaseUrl { get; }

    public PlanetScaleSettings Settings { get; }

    /// <summary>Base delay between retries of 5xx and network failures; doubles each time.</summary>
    internal static TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static PlanetScaleApiClient Create(HttpClient http, BranchTasksConfig config, ProviderCredentials credentials)
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
        var baseUrl = CredentialBinding.PlanetScaleApiUrl(credentials);
        return new PlanetScaleApiClient(http, baseUrl, $"{id}:{token}", settings, config.FilePath);
    }

    private string DatabasePath => $"organizations/{Uri.EscapeDataString(Settings.Organization)}/databases/{Uri.EscapeDataString(Settings.Database)}";

    private string BranchPath(string branch) => $"{DatabasePath}/branches/{Uri.EscapeDataString(branch)}";

    public async Task<IReadOnlyList<PlanetScaleBranch>> ListBranchesAsync(CancellationToken cancellationToken)
    {
        var branches = new List<PlanetScaleBranch>();
        int? page = 1;
        while (page is not null)
        {
            var list = await SendAsync<PlanetScaleList<PlanetScaleBranch>>(HttpMethod.Get, $"{DatabasePath}/branches?page={page}&per_page=100", null, "list the branches", cancellationToken).ConfigureAwait(false);
            branches.AddRange(list!.Data);
            page = list.NextPage is { } next && next > page ? next : null;
        }

        return branches;
    }

    /// <summary>The branch, or null when PlanetScale has no branch of that name.</summary>
    public Task<PlanetScaleBranch?> GetBranchAsync(string branch, CancellationToken cancellationToken) =>
        SendAsync<PlanetScaleBranch>(HttpMethod.Get, BranchPath(branch), null, $"read branch '{branch}'", cancellationToken, notFoundIsNull: true);

    public async Task<PlanetScaleBranch> CreateBranchAsync(string branch, string parent, CancellationToken cancellationToken) =>
        (await SendAsync<PlanetScaleBranch>(HttpMethod.Post, $"{DatabasePath}/branches", new CreateBranchBody { Name = branch, ParentBranch = parent }, $"create branch '{branch}' from '{parent}'", cancellationToken).ConfigureAwait(false))!;

    /// <summary>Deletes the branch; false when it was already gone.</summary>
    public async Task<bool> DeleteBranchAsync(string branch, CancellationToken cancellationToken) =>
        await SendAsync<object>(HttpMethod.Delete, BranchPath(branch), null, $"delete branch '{branch}'", cancellationToken, notFoundIsNull: true, emptyIsFound: true).ConfigureAwait(false) is not null;

    public async Task<PlanetScalePassword> CreatePasswordAsync(string branch, string name, CancellationToken cancellationToken)
    {
        var body = new CreatePasswordBody { Name = name, Role = Settings.PasswordRole, Ttl = (int)Settings.PasswordTtl.TotalSeconds };
        var password = await SendAsync<PlanetScalePassword>(HttpMethod.Post, $"{BranchPath(branch)}/passwords", body, $"create a password for branch '{branch}'", cancellationToken).ConfigureAwait(false);
        return password is { PlainText.Length: > 0 }
            ? password
            : throw new BranchTasksException(ErrorCodes.ProviderRejected, $"PlanetScale created a password for branch '{branch}' but sent no plain_text; BranchTasks cannot log in with it.");
    }

    /// <summary>Extends the password's expiry; null when PlanetScale no longer knows it.</summary>
    public Task<PlanetScalePassword?> RenewPasswordAsync(string branch, string id, CancellationToken cancellationToken) =>
        SendAsync<PlanetScalePassword>(HttpMethod.Post, $"{BranchPath(branch)}/passwords/{Uri.EscapeDataString(id)}/renew", null, $"renew a password of branch '{branch}'", cancellationToken, notFoundIsNull: true);

    /// <summary>Deletes the password; false when it was already gone.</summary>
    public async Task<bool> DeletePasswordAsync(string branch, string id, CancellationToken cancellationToken) =>
        await SendAsync<object>(HttpMethod.Delete, $"{BranchPath(branch)}/passwords/{Uri.EscapeDataString(id)}", null, $"delete a password of branch '{branch}'", cancellationToken, notFoundIsNull: true, emptyIsFound: true).ConfigureAwait(false) is not null;

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, string action, CancellationToken cancellationToken, bool notFoundIsNull = false, bool emptyIsFound = false)
        where T : class
    {
        var url = $"{BaseUrl}/{path}";
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
            request.Headers.Accept.ParseAdd("application/json");
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: Json);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (attempt < MaxAttempts)
                {
                    await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw new BranchTasksException(ErrorCodes.ProviderUnavailable,
                    $"Could not reach PlanetScale's API at {BaseUrl} to {action} after {attempt} attempts: {e.Message}. Check the network (and {CredentialEnvironment.PlanetScaleApiUrl}), then try again.", e);
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
                    {
                        return emptyIsFound ? (T)(object)true : null;
                    }

                    try
                    {
                        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
                            ?? throw new JsonException("empty body");
                    }
                    catch (JsonException e)
                    {
                        throw new BranchTasksException(ErrorCodes.ProviderRejected, $"PlanetScale's API at {BaseUrl} answered the request to {action} with something that is not the expected JSON ({e.Message}). Is {CredentialEnvironment.PlanetScaleApiUrl} right?", e);
                    }
                }

                var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < MaxAttempts)
                {
                    await Task.Delay(RetryAfter(response) ?? Backoff(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (status >= 500 && attempt < MaxAttempts)
                {
                    await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
                {
                    return null;
                }

                throw Failure(response.StatusCode, error, action, attempt);
            }
        }
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
                $"PlanetScale's API failed to {action} (HTTP {code}: {error}) {attempts} times in a row. It may be having an outage; try again later."),
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
            var error = JsonSerializer.Deserialize<PlanetScaleError>(text, Json);
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

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null)
        {
            return null;
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxRetryAfter ? MaxRetryAfter : delay;
    }

    private static TimeSpan Backoff(int attempt) => RetryDelay * Math.Pow(2, attempt - 1);
}
