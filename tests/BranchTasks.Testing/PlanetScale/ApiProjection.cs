namespace BranchTasks.Testing.PlanetScale;

/// <summary>The double's branches and passwords as PlanetScale's API shows them.</summary>
internal sealed class ApiProjection(string organization, string database, ActorJson actor)
{
    // Every branch server listens on loopback; PlanetScale's edge address is a host name, here the same address.
    private const string Host = "127.0.0.1";

    public OrganizationJson Organization() => new(IdOf(organization), organization);

    public DatabaseJson Database() => new(IdOf(database), database, "ready", $"https://app.planetscale.com/{organization}/{database}");

    // Stable per name, like a real id.
    private static string IdOf(string name) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..12];

    public BranchJson Branch(DoubleBranch branch)
    {
        var now = DateTimeOffset.UtcNow;
        return new BranchJson(
            branch.Id,
            branch.Name,
            branch.ParentBranch,
            branch.IsReady(now),
            branch.Production,
            branch.IsReady(now) ? "ready" : "pending",
            ApiJson.Timestamp(branch.CreatedAt),
            ApiJson.Timestamp(branch.UpdatedAt(now)),
            $"https://app.planetscale.com/{organization}/{database}/{branch.Name}",
            RegionJson.Local,
            Host,
            Host);
    }

    /// <param name="withPlainText">Only the response that creates a password carries its secret, as on PlanetScale.</param>
    public PasswordJson Password(DoublePassword password, bool withPlainText)
    {
        var status = password.Status;
        var branch = password.Branch;
        return new PasswordJson(
            password.Id,
            password.Name,
            password.Role,
            password.Username,
            withPlainText ? password.PlainText : null,
            branch.AccessHostUrl,
            ApiJson.Timestamp(password.CreatedAt),
            ApiJson.Timestamp(status.ExpiresAt),
            ApiJson.Timestamp(status.DeletedAt),
            password.TtlSeconds,
            password.Renewable,
            Replica: false,
            actor,
            new PasswordBranchJson(branch.Name, branch.Id, branch.Production, branch.AccessHostUrl, Host));
    }
}
