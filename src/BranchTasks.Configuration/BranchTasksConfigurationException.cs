namespace BranchTasks.Configuration;

/// <summary>
/// <c>AddBranchTasks()</c> could not provide the connection string on first load. The message is the BranchTasks
/// error (what, where, how to fix); <see cref="Code"/> is its BTxxxx code.
/// </summary>
public sealed class BranchTasksConfigurationException : InvalidOperationException
{
    public BranchTasksConfigurationException(string code, string message)
        : base($"error {code}: {message}")
    {
        Code = code;
        Detail = message;
    }

    /// <summary>The message without its <c>error BTxxxx:</c> prefix.</summary>
    internal string Detail { get; }

    /// <summary>The stable BTxxxx code (see the README's error table).</summary>
    public string Code { get; }
}
