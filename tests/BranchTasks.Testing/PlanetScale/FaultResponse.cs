namespace BranchTasks.Testing.PlanetScale;

/// <summary>A response the double sends instead of serving a request: status, extra headers and a PlanetScale error body.</summary>
public sealed record FaultResponse(int StatusCode, string Code, string Message, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>When set, the request is served in full and then the connection is dropped before any answer: a lost response.</summary>
    public bool LoseResponse { get; init; }

    /// <summary>The request is carried out, but its answer never reaches the client (the connection is aborted).</summary>
    public static FaultResponse LostResponse() => Of(200) with { LoseResponse = true };

    /// <summary>A fault with the <c>code</c> PlanetScale uses for <paramref name="statusCode"/> unless one is given.</summary>
    public static FaultResponse Of(int statusCode, string? code = null, string? message = null) =>
        new(statusCode, code ?? ApiException.CodeFor(statusCode), message ?? $"Injected fault: HTTP {statusCode}.", new Dictionary<string, string>());

    /// <summary>429 <c>too_many_requests</c> with <c>Retry-After</c> in whole seconds, as PlanetScale's rate limiter answers.</summary>
    public static FaultResponse RateLimited(int retryAfterSeconds) =>
        Of(429, message: "Rate limit exceeded, retry later.").WithHeader("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public FaultResponse WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value } };
}
