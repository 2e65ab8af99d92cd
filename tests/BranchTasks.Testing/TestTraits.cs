namespace BranchTasks.Testing;

/// <summary>
/// The trait that sets tests needing a database server (a private MariaDB, the PlanetScale double's servers, or a
/// daemon that starts one) apart from pure unit tests: <c>dotnet test --filter "Needs!=Server"</c> runs only the
/// unit tests (seconds, no server), <c>--filter "Needs=Server"</c> only the others. Core.Tests checks that every
/// class using a server fixture carries it.
/// </summary>
public static class TestTraits
{
    public const string Needs = "Needs";

    public const string Server = "Server";
}
