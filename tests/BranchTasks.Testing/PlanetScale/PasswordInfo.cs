namespace BranchTasks.Testing.PlanetScale;

/// <summary>A branch password as a test sees it, including deleted ones (<see cref="DeletedAt"/> set).</summary>
/// <param name="Username">The MariaDB user on the branch's server.</param>
/// <param name="LockedAt">When its TTL ran out and the user was locked (<c>ACCOUNT LOCK</c>), a few milliseconds after <see cref="ExpiresAt"/>.</param>
public sealed record PasswordInfo(
    string Id,
    string Name,
    string Branch,
    string Role,
    string Username,
    string PlainText,
    int TtlSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? DeletedAt,
    DateTimeOffset? LockedAt)
{
    public bool Expired => LockedAt is not null;

    public bool IsDeleted => DeletedAt is not null;

    /// <summary>Not deleted and not expired: a login with it works.</summary>
    public bool IsLive => DeletedAt is null && !Expired;
}
