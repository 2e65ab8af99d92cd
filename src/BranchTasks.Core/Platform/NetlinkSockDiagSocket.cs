using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Opens a NETLINK_SOCK_DIAG socket connected to the kernel. .NET's <see cref="Socket"/> cannot create an AF_NETLINK
/// socket, but it can carry one: libc creates and connects it, and a <see cref="Socket"/> sends, receives and closes
/// it. Connected to port 0, it takes datagrams from the kernel only.
/// </summary>
internal static class NetlinkSockDiagSocket
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkSockDiag = 4;
    private const int SockaddrNlLength = 12;   // struct sockaddr_nl: family, pad, pid, groups

    public static Socket Open()
    {
        int descriptor;
        try
        {
            descriptor = socket(AfNetlink, SockRaw | SockCloexec, NetlinkSockDiag);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new SockDiagException("libc's socket() cannot be called", e);
        }

        if (descriptor < 0)
        {
            throw new SockDiagException($"socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        try
        {
            var kernel = new byte[SockaddrNlLength];
            BitConverter.TryWriteBytes(kernel, (ushort)AfNetlink);
            if (connect(descriptor, kernel, kernel.Length) != 0)
            {
                throw new SockDiagException($"connect to the kernel's netlink port failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return new Socket(handle);
        }
        catch (Exception e)
        {
            // Whatever a runtime makes of a socket of a family it does not know, the caller only needs to hear "no".
            handle.Dispose();
            if (e is SockDiagException)
            {
                throw;
            }

            throw new SockDiagException("the netlink socket cannot be used", e);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true)]
    private static extern int connect(int descriptor, byte[] address, int addressLength);
}
