using System.Net.Sockets;
using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tunnel;

/// <summary>ERR packets the tunnel itself sends the app.</summary>
internal static class ClientErrorReply
{
    /// <summary>ER_CONNECT_TO_FOREIGN_DATA_SOURCE, "unable to connect to foreign data source": a server-range code every client shows.</summary>
    public const ushort UpstreamUnavailableCode = 1429;

    private const ushort ClientErrorCodesFrom = 2000;
    private const ushort ClientErrorCodesTo = 2999;

    /// <summary>Sends <paramref name="error"/>, or nothing when the app has gone already.</summary>
    public static async Task TrySendAsync(Stream client, byte sequence, ErrorPayload error, CancellationToken cancellationToken)
    {
        if (error.ErrorCode is >= ClientErrorCodesFrom and <= ClientErrorCodesTo)
        {
            // Codes 2000-2999 belong to client libraries: libmariadb (the mariadb CLI, PHP, Python) reports an ERR
            // packet carrying one as "2027 Received malformed packet" and drops the message, so a server code says it.
            error = error with { ErrorCode = UpstreamUnavailableCode };
        }

        try
        {
            await PacketWriter.WritePayloadAsync(client, sequence, error.Serialize(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
