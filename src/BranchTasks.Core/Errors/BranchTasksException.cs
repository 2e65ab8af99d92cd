namespace BranchTasks.Core.Errors;

/// <summary>
/// A failure the user can cause and fix. Every front end prints <see cref="Exception.Message"/> alone
/// (no stack trace) with <see cref="Code"/>: MSBuild as error BTxxxx, the tool as a non-zero exit.
/// Messages say what went wrong, where, and how to fix it.
/// </summary>
public sealed class BranchTasksException : Exception
{
    public BranchTasksException(string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>A stable code from <see cref="ErrorCodes"/>.</summary>
    public string Code { get; }
}
