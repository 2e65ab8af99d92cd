using System.Text.Json.Serialization;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// A database branch as PlanetScale's API describes it (only the fields BranchTasks reads). It has no address to
/// log in at: that comes with each password (<see cref="PlanetScalePassword.AccessHostUrl"/>).
/// </summary>
public sealed class PlanetScaleBranch
{
    public string Name { get; set; } = "";

    [JsonPropertyName("parent_branch")]
    public string? ParentBranch { get; set; }

    public bool Ready { get; set; }

    public bool Production { get; set; }

    [JsonPropertyName("created_at")]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>pending, ready, sleeping, ... (<see cref="Ready"/> is what BranchTasks waits for).</summary>
    public string? State { get; set; }

    [JsonPropertyName("mysql_address")]
    public string? MysqlAddress { get; set; }

    [JsonPropertyName("mysql_edge_address")]
    public string? MysqlEdgeAddress { get; set; }
}

/// <summary>A branch password; <see cref="PlainText"/> only comes back from create.</summary>
public sealed class PlanetScalePassword
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string Username { get; set; } = "";

    [JsonPropertyName("plain_text")]
    public string? PlainText { get; set; }

    [JsonPropertyName("access_host_url")]
    public string AccessHostUrl { get; set; } = "";

    [JsonPropertyName("expires_at")]
    public DateTimeOffset? ExpiresAt { get; set; }

    public bool Renewable { get; set; }

    // The generated-looking ToString of a POCO does not exist, but keep any future one from printing the password.
    public override string ToString() => $"PlanetScalePassword {{ Id = {Id}, Username = {Username}, ExpiresAt = {ExpiresAt} }}";
}

internal sealed class PlanetScaleList<T>
{
    public List<T> Data { get; set; } = [];

    [JsonPropertyName("current_page")]
    public int? CurrentPage { get; set; }

    [JsonPropertyName("next_page")]
    public int? NextPage { get; set; }
}

internal sealed class PlanetScaleError
{
    public string? Code { get; set; }

    public string? Message { get; set; }
}

internal sealed class CreateBranchBody
{
    public string Name { get; set; } = "";

    [JsonPropertyName("parent_branch")]
    public string ParentBranch { get; set; } = "";
}

internal sealed class CreatePasswordBody
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "";

    public int Ttl { get; set; }
}

/// <summary>Generated JSON metadata of the API's shapes (no reflection); names come from the client's options (snake_case).</summary>
[JsonSerializable(typeof(PlanetScaleBranch))]
[JsonSerializable(typeof(PlanetScalePassword))]
[JsonSerializable(typeof(PlanetScaleList<PlanetScaleBranch>))]
[JsonSerializable(typeof(PlanetScaleList<PlanetScalePassword>))]
[JsonSerializable(typeof(PlanetScaleError))]
[JsonSerializable(typeof(CreateBranchBody))]
[JsonSerializable(typeof(CreatePasswordBody))]
[JsonSerializable(typeof(object))]
internal sealed partial class PlanetScaleJsonContext : JsonSerializerContext
{
}
