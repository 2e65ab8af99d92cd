namespace BranchTasks.Core.Platform;

/// <summary>
/// The kernel's socket-diagnostics interface gave no usable answer (no netlink socket, an error, a reply that does
/// not add up). Never shown to anyone: the caller falls back to reading <c>/proc/net/tcp</c>.
/// </summary>
internal sealed class SockDiagException : Exception
{
    public SockDiagException(string message) : base(message)
    {
    }

    public SockDiagException(string message, Exception inner) : base(message, inner)
    {
    }
}
