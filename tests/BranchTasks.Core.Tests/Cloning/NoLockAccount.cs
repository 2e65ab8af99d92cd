using System.Security.Cryptography;
using BranchTasks.Core.Cloning;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// Copy connections of an account that may read, write and alter tables everywhere but not LOCK TABLES (as a shared
/// server's admin may be set up), so a parallel SQL copy cannot lock the parent and must fall back.
/// </summary>
internal static class NoLockAccount
{
    private static readonly string User = PrivateServerFixture.UniqueName("nolock");
    private static readonly string Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private static Task? Created;

    public static SqlCopyAccess Access(PrivateServerFixture fixture) => new(async (database, cancellationToken) =>
    {
        await EnsureCreatedAsync(fixture);
        var settings = fixture.Endpoint.CreateAdminConnectionString(database);
        settings.UserID = User;
        settings.Password = Password;
        var connection = new MySqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    });

    private static Task EnsureCreatedAsync(PrivateServerFixture fixture) =>
        LazyInitializer.EnsureInitialized(ref Created, () => fixture.ExecuteAsync(
            $"CREATE USER '{User}'@'%' IDENTIFIED BY '{Password}'; GRANT SELECT, INSERT, CREATE, DROP, ALTER, INDEX ON *.* TO '{User}'@'%'"));
}
