using System.Net;
using System.Net.Sockets;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Tells which OS user is at the other end of an accepted loopback TCP connection: Linux asks the kernel for the
/// peer's socket over netlink (sock_diag) and reads its socket tables where that gives no answer, Windows asks the IP helper for the owning process and its token. macOS offers no per-connection owner
/// for TCP, so there every peer is <see cref="PeerOwnerKind.Unknown"/> (and a tunnel that needs to know refuses it
/// unless token mode says otherwise).
/// </summary>
public static class TcpPeerIdentity
{
    /// <summary>Whether this platform can name the OS user behind a loopback TCP connection.</summary>
    public static bool CanIdentifyPeers => OperatingSystem.IsLinux() || OperatingSystem.IsWindows();

    public static PeerOwner Of(Socket accepted)
    {
        if (accepted.RemoteEndPoint is not IPEndPoint peer || accepted.LocalEndPoint is not IPEndPoint local)
        {
            return PeerOwner.Unknown;
        }

        try
        {
            if (OperatingSystem.IsLinux())
            {
                var currentUser = UnixInterop.EffectiveUserId();
                return LinuxSockDiag.Find(peer, local, currentUser) ?? LinuxTcpPeers.Find(peer, local, currentUser);
            }

            if (OperatingSystem.IsWindows())
            {
                return WindowsTcpPeers.Find(peer, local);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // Not knowing is never taken for "the current user".
        }

        return PeerOwner.Unknown;
    }
}
