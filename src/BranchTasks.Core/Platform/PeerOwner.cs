namespace BranchTasks.Core.Platform;

/// <summary>Who is at the other end of a local connection, as far as the platform can tell.</summary>
public enum PeerOwnerKind
{
    /// <summary>The same OS user as this process.</summary>
    CurrentUser,

    /// <summary>Another OS user (its id, where the platform has one, is in <see cref="PeerOwner.UserId"/>).</summary>
    OtherUser,

    /// <summary>The platform cannot tell (macOS TCP, a socket that is already gone): never treated as the current user.</summary>
    Unknown,
}

/// <summary>The answer of <see cref="TcpPeerIdentity"/>: what kind of peer, and its uid or SID for messages and logs.</summary>
public readonly record struct PeerOwner(PeerOwnerKind Kind, string? UserId)
{
    public static PeerOwner Unknown { get; } = new(PeerOwnerKind.Unknown, null);

    public override string ToString() => UserId is null ? Kind.ToString() : $"{Kind} ({UserId})";
}
