using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>A statement of the clone failed; says which object it was copying, since the server's message often does not.</summary>
public sealed class CloneStepException(string what, MySqlException inner)
    : Exception($"copying {what} failed: {inner.Message}", inner)
{
    public string What { get; } = what;
}
