using System.Net;
using System.Net.Sockets;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Linux: the owner of the socket at the other end of an accepted loopback TCP connection, asked of the kernel for
/// that one socket (NETLINK_SOCK_DIAG with its exact addresses and ports), so the cost does not grow with the number
/// of sockets on the machine as reading <c>/proc/net/tcp</c> does. Same rule as there: a socket without an inode
/// (TIME_WAIT, or closed by its process) has no owner and is <see cref="PeerOwnerKind.Unknown"/>.
/// </summary>
internal static class LinuxSockDiag
{
    // The kernel queues its reply before send() returns; the timeout only bounds a sandbox that never answers.
    private const int ReceiveTimeoutMilliseconds = 250;
    private const int ReplyBufferLength = 8192;

    private static int LastSequence;

    /// <summary>
    /// The peer's owner, or null when the kernel did not say (no such socket, no inet_diag, netlink not allowed, a
    /// reply that does not add up): then <c>/proc/net/tcp</c> decides.
    /// </summary>
    public static PeerOwner? Find(IPEndPoint peer, IPEndPoint local, uint currentUser)
    {
        try
        {
            return Query(peer, local) is { } answer
                ? answer.Inode == 0 ? PeerOwner.Unknown : LinuxTcpPeers.ToOwner(answer.Uid, currentUser)
                : null;
        }
        catch (SockDiagException)
        {
            return null;
        }
    }

    /// <summary>The kernel's answer for the socket whose own end is <paramref name="peer"/> and other end <paramref name="local"/>; null if it has none.</summary>
    internal static SockDiagAnswer? Query(IPEndPoint peer, IPEndPoint local)
    {
        var sequence = unchecked((uint)Interlocked.Increment(ref LastSequence));
        Span<byte> request = stackalloc byte[SockDiagMessages.RequestLength];
        SockDiagMessages.WriteRequest(request, sequence, peer, local);
        Span<byte> reply = stackalloc byte[ReplyBufferLength];
        int received;
        using (var socket = NetlinkSockDiagSocket.Open())
        {
            try
            {
                socket.ReceiveTimeout = ReceiveTimeoutMilliseconds;
                if (socket.Send(request) != request.Length)
                {
                    throw new SockDiagException("the request was not sent whole");
                }

                received = socket.Receive(reply);
            }
            catch (SocketException e)
            {
                throw new SockDiagException("the netlink exchange failed", e);
            }
        }

        return SockDiagMessages.ReadReply(reply[..received], sequence, peer, local);
    }
}
