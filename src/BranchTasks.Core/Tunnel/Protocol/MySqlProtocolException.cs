namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>The server answered with an ERR packet.</summary>
internal sealed class MySqlProtocolException(ErrorPayload error) : Exception(error.Message)
{
    public ErrorPayload Error { get; } = error;
}
