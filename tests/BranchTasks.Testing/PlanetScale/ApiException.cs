namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// An API error as PlanetScale returns it (<c>{"code":..,"message":..}</c> with its status); thrown by the
/// double's operations and written by the request pipeline, so every error leaves through one place.
/// </summary>
internal sealed class ApiException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;

    /// <summary>The <c>code</c> PlanetScale uses for a status; 5xx all read <c>internal_server_error</c>.</summary>
    public static string CodeFor(int statusCode) => statusCode switch
    {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        422 => "unprocessable",
        429 => "too_many_requests",
        >= 500 => "internal_server_error",
        _ => "error",
    };

    public static ApiException NotFound(string message) => new(404, "not_found", message);

    public static ApiException Unprocessable(string message) => new(422, "unprocessable", message);
}
