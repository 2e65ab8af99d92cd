namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// A branch password: a real MariaDB user on the branch's server. Changes to it (expiry, renewal, deletion)
/// run one at a time under <see cref="Gate"/>; readers see <see cref="Status"/> as one consistent value.
/// </summary>
internal sealed class DoublePassword
{
    private volatile PasswordStatus _status;

    public DoublePassword(DoubleBranch branch, string name, string role, int ttlSeconds, DateTimeOffset createdAt)
    {
        Id = RandomIds.Id();
        Branch = branch;
        Name = name;
        Role = role;
        TtlSeconds = ttlSeconds;
        Username = RandomIds.Username();
        PlainText = RandomIds.Secret("pscale_pw_");
        CreatedAt = createdAt;
        _status = new PasswordStatus(ttlSeconds > 0 ? createdAt.AddSeconds(ttlSeconds) : null, null, null);
    }

    public string Id { get; }

    public DoubleBranch Branch { get; }

    public string Name { get; }

    public string Role { get; }

    public int TtlSeconds { get; }

    /// <summary>PlanetScale lets only passwords with a TTL be renewed.</summary>
    public bool Renewable => TtlSeconds > 0;

    public string Username { get; }

    public string PlainText { get; }

    public DateTimeOffset CreatedAt { get; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public PasswordStatus Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>The armed expiry of the current deadline. Guarded by <see cref="Gate"/>.</summary>
    public PasswordExpiry.Deadline? Expiry { get; set; }

    public PasswordInfo ToInfo()
    {
        var status = Status;
        return new PasswordInfo(Id, Name, Branch.Name, Role, Username, PlainText, TtlSeconds, CreatedAt, status.ExpiresAt, status.DeletedAt, status.LockedAt);
    }
}

/// <param name="LockedAt">When the deadline passed and the user was locked; null while it works.</param>
internal sealed record PasswordStatus(DateTimeOffset? ExpiresAt, DateTimeOffset? DeletedAt, DateTimeOffset? LockedAt)
{
    public bool Expired => LockedAt is not null;
}
