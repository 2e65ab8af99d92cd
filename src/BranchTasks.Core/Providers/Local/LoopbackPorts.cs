using System.Net;
using System.Net.Sockets;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Loopback port probing for the private server.</summary>
internal static class LoopbackPorts
{
    public static bool IsFree(int port)
    {
        try
        {
            // ExclusiveAddressUse so a listener that shares the port (SO_REUSEADDR on Windows) still counts as taken.
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (OperatingSystem.IsWindows())
            {
                socket.ExclusiveAddressUse = true;
            }

            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
