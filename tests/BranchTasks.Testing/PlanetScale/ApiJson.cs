using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// The JSON shapes of PlanetScale's REST API as the double writes and reads them. Field names follow
/// planetscale-go (snake_case); timestamps are written like the real API (UTC, milliseconds, <c>Z</c>) so a
/// client that parses them strictly is exercised.
/// </summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        // Explicit, so the options can be used before the serializer would make them read-only itself.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Timestamp(DateTimeOffset? value) => value is { } v ? Timestamp(v) : null;

    public static async Task WriteAsync(HttpResponse response, int statusCode, object? payload)
    {
        response.StatusCode = statusCode;
        if (payload is null)
        {
            return;
        }

        response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, payload, payload.GetType(), Options, response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The request body as <typeparamref name="T"/>; an empty body is an empty object (planetscale-go sends none to renew).</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : new()
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new T();
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? new T();
        }
        catch (JsonException e)
        {
            throw ApiException.Unprocessable($"The request body is not valid JSON for this endpoint: {e.Message}");
        }
    }
}

internal sealed record ErrorJson(string Code, string Message);

/// <summary>One page of a list, as PlanetScale pages (<c>page</c> and <c>per_page</c> in the query, 25 a page unless asked).</summary>
internal sealed record ListJson<T>(IReadOnlyList<T> Data, int CurrentPage, int? NextPage, int? PrevPage)
{
    public const int DefaultPerPage = 25;

    [JsonPropertyOrder(-1)]
    public string Type => "list";

    public static ListJson<T> Page(IReadOnlyList<T> all, HttpRequest request, int maxPerPage)
    {
        var page = Math.Max(1, QueryInt(request, "page") ?? 1);
        var perPage = Math.Clamp(QueryInt(request, "per_page") ?? DefaultPerPage, 1, maxPerPage);
        var data = all.Skip((page - 1) * perPage).Take(perPage).ToList();
        return new ListJson<T>(data, page, page * perPage < all.Count ? page + 1 : null, page > 1 ? page - 1 : null);
    }

    private static int? QueryInt(HttpRequest request, string name) =>
        int.TryParse(request.Query[name].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}

internal sealed record OrganizationJson(string Id, string Name)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Organization";
}

internal sealed record DatabaseJson(string Id, string Name, string State, string HtmlUrl)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Database";
}

internal sealed record RegionJson(string Slug, string DisplayName)
{
    public static readonly RegionJson Local = new("local", "Local");
}

internal sealed record BranchJson(
    string Id,
    string Name,
    string? ParentBranch,
    bool Ready,
    bool Production,
    string State,
    string CreatedAt,
    string UpdatedAt,
    string HtmlUrl,
    RegionJson Region,
    string MysqlAddress,
    string MysqlEdgeAddress)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Branch";
}

internal sealed record ActorJson(string Id, string Type, string DisplayName);

internal sealed record PasswordBranchJson(string Name, string Id, bool Production, string AccessHostUrl, string MysqlEdgeAddress);

internal sealed record PasswordJson(
    string Id,
    string Name,
    string Role,
    string Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PlainText,
    string AccessHostUrl,
    string CreatedAt,
    string? ExpiresAt,
    string? DeletedAt,
    int TtlSeconds,
    bool Renewable,
    bool Replica,
    ActorJson Actor,
    PasswordBranchJson DatabaseBranch)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Password";
}

internal sealed class CreateBranchBody
{
    public string? Name { get; set; }

    public string? ParentBranch { get; set; }

    // Accepted and ignored, as the brief of the double says: there are no backups or regions here.
    public string? BackupId { get; set; }

    public string? SeedData { get; set; }

    public string? Region { get; set; }
}

internal sealed class CreatePasswordBody
{
    public string? Name { get; set; }

    public string? Role { get; set; }

    public long? Ttl { get; set; }

    public bool? Replica { get; set; }
}
